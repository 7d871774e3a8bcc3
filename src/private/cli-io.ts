/** Where a command-line tool of the package writes, and the directory it works from. */
export interface CliIo {
  /** Receives the report. */
  readonly stdout: (text: string) => void;
  /** Receives usage and errors. */
  readonly stderr: (text: string) => void;
  /** The directory relative paths (and git) are resolved from. */
  readonly cwd: string;
}

/** The process's own streams and working directory. */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
  };
}
