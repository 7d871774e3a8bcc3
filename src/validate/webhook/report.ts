/** How a webhook check reports a finding: its code, the field, a message, and whether it is only a warning. */
export type Report = (code: string, field: string, message: string, severity?: 'warning') => void;
