// The esbuild options with which tests bundle entries of their own into one file, for the platform
// and target of the product's code. The product itself, dist/lanvpn.js and its chunks, is ES
// modules built by scripts/applet-chunks.mjs (same target, es2020).

/** A classic script, not a module: qjs runs it with `--std` (std/os as globals), node as CommonJS.
 * Only host/node.ts reaches for node:*, and only when running under Node (require is there). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'iife',
  platform: 'neutral',
  target: 'es2020',
  external: ['node:*'],
  mainFields: ['module', 'main'],
  charset: 'utf8',
  logLevel: 'warning',
}
