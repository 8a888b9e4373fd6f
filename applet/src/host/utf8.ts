// UTF-8 for QuickJS, which has no TextEncoder/TextDecoder (openwrt-contracts §8.3). exec reads
// child output in raw chunks from pipes, so a character can arrive split across two reads: the
// decoder keeps the partial sequence until the next chunk. Invalid input decodes to U+FFFD using
// the WHATWG "maximal subpart" rule, so results match Node's TextDecoder byte for byte.

const REPLACEMENT = 0xfffd
// String.fromCharCode.apply has an argument limit; flush the code-unit buffer well below it.
const FLUSH_AT = 8192

/** UTF-8 of a string. One encoder for the whole applet (core/uci/bytes.ts): the U+DC80–DCFF
 * stand-ins of a lossless decode go back as their bytes, any other lone surrogate as U+FFFD. */
export { encodeUtf8Lossless as encodeUtf8 } from '../core/uci/bytes'

/** A streaming UTF-8 decoder. `decode(chunk, true)` keeps an incomplete trailing sequence for the
 * next call; `decode(chunk)` (or `end()`) flushes it as U+FFFD. Reusable after a flush. */
export class Utf8Decoder {
  // The start of a sequence the last chunk ended in, decoded with the next one.
  private pending = new Uint8Array(0)

  decode(chunk: Uint8Array, stream = false): string {
    let bytes = chunk
    if (this.pending.length) {
      bytes = new Uint8Array(this.pending.length + chunk.length)
      bytes.set(this.pending)
      bytes.set(chunk, this.pending.length)
      this.pending = new Uint8Array(0)
    }
    const units: number[] = []
    let text = ''
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i]
      // How many continuation bytes a lead byte takes (0: ASCII, or no lead byte at all), and the
      // range of the first: E0 and F0 narrow it against overlongs, ED against UTF-16 surrogates,
      // F4 caps at U+10FFFF.
      const needed =
        b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xc2 && b <= 0xdf ? 1 : 0
      const lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
      const upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
      // The lead byte's bits (the bit above them is 0 in every valid lead byte).
      let cp = b & (0x7f >> needed)
      let seen = 0
      for (; seen < needed && i + 1 + seen < bytes.length; seen++) {
        const c = bytes[i + 1 + seen]
        if (c < (seen ? 0x80 : lower) || c > (seen ? 0xbf : upper)) break
        cp = (cp << 6) | (c & 0x3f)
      }
      if (stream && seen < needed && i + 1 + seen === bytes.length) {
        this.pending = bytes.slice(i)
        break
      }
      // A broken sequence (its valid start, the "maximal subpart") yields one U+FFFD, and the
      // byte that broke it is decoded afresh.
      if (b >= 0x80 && (needed === 0 || seen < needed)) cp = REPLACEMENT
      i += 1 + seen
      if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + (cp & 0x3ff))
      else units.push(cp)
      if (units.length >= FLUSH_AT) {
        text += String.fromCharCode.apply(null, units)
        units.length = 0
      }
    }
    return text + String.fromCharCode.apply(null, units)
  }

  /** Flushes a pending incomplete sequence (as U+FFFD, or '' when there is none). */
  end(): string {
    return this.decode(new Uint8Array(0))
  }
}

/** Decodes a complete UTF-8 byte sequence; invalid bytes become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new Utf8Decoder().decode(bytes)
}
