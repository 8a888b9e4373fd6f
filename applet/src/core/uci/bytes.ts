// How /etc/config files travel between bytes and strings without losing any byte. libuci treats
// the file as bytes and keeps whatever it holds; lanvpn works on strings. Valid UTF-8 decodes as
// usual and each byte that is not part of valid UTF-8 becomes the lone surrogate U+DC00 + byte
// (Python's "surrogateescape"): no valid UTF-8 ever decodes to a lone surrogate, so encoding gives
// back exactly the bytes that were read, and a value lanvpn does not touch is written unchanged.

/** Decodes bytes as UTF-8, each invalid byte b becoming U+DC00 + b (see the top of the file). */
export function decodeUtf8Lossless(bytes: Uint8Array): string {
  const units: number[] = []
  let text = ''
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]
    const length = validSequenceLength(bytes, i)
    if (length === 0) {
      units.push(b < 0x80 ? b : 0xdc00 + b)
      i++
    } else {
      let cp = b & (0xff >> (length + 1))
      for (let k = 1; k < length; k++) cp = (cp << 6) | (bytes[i + k] & 0x3f)
      if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + (cp & 0x3ff))
      else units.push(cp)
      i += length
    }
    // String.fromCharCode.apply has an argument limit.
    if (units.length >= 8192) {
      text += String.fromCharCode.apply(null, units)
      units.length = 0
    }
  }
  return text + String.fromCharCode.apply(null, units)
}

// The length of the well-formed multi-byte UTF-8 sequence at i (2-4), or 0 for ASCII and for a
// byte that starts none (Unicode table 3-7: no overlongs, no surrogates, nothing past U+10FFFF).
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]
  let length: number
  let lower = 0x80
  let upper = 0xbf
  if (b >= 0xc2 && b <= 0xdf) length = 2
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3
    if (b === 0xe0) lower = 0xa0
    if (b === 0xed) upper = 0x9f
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4
    if (b === 0xf0) lower = 0x90
    if (b === 0xf4) upper = 0x8f
  } else return 0
  if (i + length > bytes.length) return 0
  const second = bytes[i + 1]
  if (second < lower || second > upper) return 0
  for (let k = 2; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return 0
  return length
}

/** Encodes a string as UTF-8, turning U+DC80–U+DCFF back into the byte they stand for. Any other
 * lone surrogate becomes U+FFFD, as TextEncoder does. */
export function encodeUtf8Lossless(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3)
  let n = 0
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i)
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00)
        i++
      } else if (cp >= 0xdc80 && cp <= 0xdcff) {
        out[n++] = cp - 0xdc00
        continue
      } else {
        cp = 0xfffd
      }
    }
    if (cp < 0x80) {
      out[n++] = cp
    } else if (cp < 0x800) {
      out[n++] = 0xc0 | (cp >> 6)
      out[n++] = 0x80 | (cp & 0x3f)
    } else if (cp < 0x10000) {
      out[n++] = 0xe0 | (cp >> 12)
      out[n++] = 0x80 | ((cp >> 6) & 0x3f)
      out[n++] = 0x80 | (cp & 0x3f)
    } else {
      out[n++] = 0xf0 | (cp >> 18)
      out[n++] = 0x80 | ((cp >> 12) & 0x3f)
      out[n++] = 0x80 | ((cp >> 6) & 0x3f)
      out[n++] = 0x80 | (cp & 0x3f)
    }
  }
  return out.subarray(0, n)
}
