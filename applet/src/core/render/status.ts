// The status file's text. rpcd's file.read, the web UI's poll, stat()s the path, then opens it and
// reads st_size bytes (openwrt/rpcd file.c, rpc_file_read): a status renamed into place between the
// two that is longer than the one stat() saw arrives cut short, and the UI gets text that is not
// JSON. The daemon rewrites the status every few seconds and its length changes by a byte or two
// each time (counters, timestamps), so a busy UI hit that within minutes. Hence the file never
// grows a byte at a time: its text is padded with spaces (JSON allows them) to a multiple of
// STATUS_SIZE_STEP and to at least the size of the file it replaces. A longer file appears only
// when the status outgrows a step, a few times in a daemon's life; a shorter one is harmless
// (rpcd reads all of it).

/** The size steps of the status file, in bytes: a status is about half of one. */
export const STATUS_SIZE_STEP = 1024

/** `status` as the status file's text: JSON in ASCII only (other characters as \u escapes, so its
 * length in characters is its size in bytes), padded with spaces and ended by a newline to
 * a multiple of STATUS_SIZE_STEP bytes, and to at least `previousBytes` (the size of the file it
 * replaces; 0 when there is none). Pure. */
export function renderStatusFile(status: unknown, previousBytes: number): string {
  const json = JSON.stringify(status).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
  const stepped = Math.ceil((json.length + 1) / STATUS_SIZE_STEP) * STATUS_SIZE_STEP
  return `${json.padEnd(Math.max(stepped, previousBytes) - 1)}\n`
}
