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
  private needed = 0
  private seen = 0
  private cp = 0
  private lower = 0x80
  private upper = 0xbf

  decode(bytes: Uint8Array, stream = false): string {
    const units: number[] = []
    let text = ''
    const emit = (cp: number): void => {
      if (cp > 0xffff) {
        cp -= 0x10000
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff))
      } else {
        units.push(cp)
      }
      if (units.length >= FLUSH_AT) {
        text += String.fromCharCode.apply(null, units)
        units.length = 0
      }
    }
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]
      if (this.needed === 0) {
        if (b <= 0x7f) emit(b)
        else if (b >= 0xc2 && b <= 0xdf) this.start(1, b & 0x1f)
        else if (b >= 0xe0 && b <= 0xef) {
          // E0 and ED narrow the next byte to reject overlongs and UTF-16 surrogates.
          if (b === 0xe0) this.lower = 0xa0
          if (b === 0xed) this.upper = 0x9f
          this.start(2, b & 0x0f)
        } else if (b >= 0xf0 && b <= 0xf4) {
          // F0 rejects overlongs, F4 caps at U+10FFFF.
          if (b === 0xf0) this.lower = 0x90
          if (b === 0xf4) this.upper = 0x8f
          this.start(3, b & 0x07)
        } else emit(REPLACEMENT)
        continue
      }
      if (b < this.lower || b > this.upper) {
        // A broken sequence yields one U+FFFD and the offending byte is decoded afresh.
        this.reset()
        emit(REPLACEMENT)
        i--
        continue
      }
      this.lower = 0x80
      this.upper = 0xbf
      this.cp = (this.cp << 6) | (b & 0x3f)
      if (++this.seen === this.needed) {
        const cp = this.cp
        this.reset()
        emit(cp)
      }
    }
    if (!stream && this.needed !== 0) {
      this.reset()
      emit(REPLACEMENT)
    }
    return text + (units.length ? String.fromCharCode.apply(null, units) : '')
  }

  /** Flushes a pending incomplete sequence (as U+FFFD, or '' when there is none). */
  end(): string {
    return this.decode(new Uint8Array(0))
  }

  private start(needed: number, bits: number): void {
    this.needed = needed
    this.seen = 0
    this.cp = bits
  }

  private reset(): void {
    this.needed = 0
    this.seen = 0
    this.cp = 0
    this.lower = 0x80
    this.upper = 0xbf
  }
}

/** Decodes a complete UTF-8 byte sequence; invalid bytes become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return new Utf8Decoder().decode(bytes)
}
