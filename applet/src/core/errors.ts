// An error's own words, whatever was thrown: what every "doing X: <why>" message quotes.

/** The message of an Error, or the thrown value as text. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))
