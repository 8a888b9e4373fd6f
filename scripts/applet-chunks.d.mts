// Types for scripts/applet-chunks.mjs (a plain Node script), for the package tests.

/** The chunks beside the entry and their root modules (paths under applet/src). */
export const CHUNK_ROOTS: Record<string, string[]>
/** The chunks of optional packages (lanvpn-node, lanvpn-openvpn, lanvpn-cli), loaded only with
 * import(). */
export const OPTIONAL_CHUNKS: string[]
/** The entry's file name (lanvpn.js). */
export const ENTRY_FILE: string
/** Every file of the applet, entry first, as installed in /usr/share/lanvpn/. */
export const APPLET_FILES: string[]
/** The package.json installed beside them ("type": "module", for Node). */
export const PACKAGE_JSON: string
/** Builds the applet's files, in APPLET_FILES order. */
export function buildAppletFiles(opts: {
  src: string
  define: Record<string, string>
}): Promise<Array<{ fileName: string; code: string }>>
/** terser's compress options for the applet and the web UI. */
export const TERSER_COMPRESS: import('terser').CompressOptions
