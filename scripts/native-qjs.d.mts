// Types for scripts/native-qjs.mjs (a plain Node script), for the tests that run lanvpn under the
// native qjs.

/** The QuickJS release the native qjs is built from. */
export const QJS_RELEASE: string
/** Where the native qjs is (or will be, once built). */
export const QJS: string
/** `[QJS, '--std']`; throws, saying how to get it, when the native qjs is not built. */
export function qjsCommand(): string[]
