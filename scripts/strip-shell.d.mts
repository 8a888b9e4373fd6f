// Types for scripts/strip-shell.mjs (a plain Node script), for its test.

/** `text` without the lines that are only a comment (not the `#!` line, quotes or here-documents). */
export function stripShellComments(text: string): string
