/** Where the compiled copy of the library lives (test/setup/compiled.js). */
export const COMPILED: string;
/** Brings the compiled copy up to date; returns how many files were compiled or copied. */
export function compileLibrary(): number;
/** The compiled code of `file`, a .ts file of the project whose source is `code`. */
export function compiledCode(code: string, file: string): string;
/** Modules of the compiled copy (paths relative to the root), loaded anew as a copy of the library of their own. */
export function freshCopy(...modules: string[]): any[];
