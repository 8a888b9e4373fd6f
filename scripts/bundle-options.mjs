// The esbuild options of the daemon bundle, shared by scripts/build.mjs and the tests that bundle
// test entries the same way (so what runs inside the QuickJS engine in tests is built like
// dist/lanvpn.js).

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
