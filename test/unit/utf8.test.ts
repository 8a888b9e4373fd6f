import { describe, expect, it } from 'vitest'
import { decodeUtf8, encodeUtf8, Utf8Decoder } from '../../applet/src/host/utf8'

const samples = ['', 'plain ascii', 'ü é ß', 'кириллица', '中文路由器', '🛡️🚀 emoji', 'mix: a€𝄞b\n']

describe('utf8', () => {
  it('encodes exactly like TextEncoder', () => {
    for (const s of [...samples, 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d']) {
      expect(Array.from(encodeUtf8(s)), s).toEqual(Array.from(new TextEncoder().encode(s)))
    }
  })

  it('round-trips every sample', () => {
    for (const s of samples) expect(decodeUtf8(encodeUtf8(s))).toBe(s)
  })

  it('decodes sequences split at every chunk boundary', () => {
    const text = samples.join('|')
    const bytes = encodeUtf8(text)
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new Utf8Decoder()
      const out =
        d.decode(bytes.subarray(0, cut), true) + d.decode(bytes.subarray(cut), true) + d.end()
      expect(out, `cut at ${cut}`).toBe(text)
    }
  })

  it('decodes byte-at-a-time streams', () => {
    const bytes = encodeUtf8('a🚀中ü')
    const d = new Utf8Decoder()
    let out = ''
    for (const b of bytes) out += d.decode(new Uint8Array([b]), true)
    expect(out + d.end()).toBe('a🚀中ü')
  })

  it('replaces invalid bytes with U+FFFD exactly like TextDecoder', () => {
    const cases = [
      [0xff],
      [0x80, 0x41],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf0, 0x9f, 0x98],
      [0xe4, 0xb8, 0x41],
      [0xc3],
      [0x41, 0xf0, 0x9f, 0x41, 0x42],
    ]
    for (const c of cases) {
      const bytes = new Uint8Array(c)
      expect(decodeUtf8(bytes), c.join(',')).toBe(new TextDecoder().decode(bytes))
    }
  })

  it('flushes an incomplete tail as U+FFFD at the end of a stream', () => {
    const d = new Utf8Decoder()
    expect(d.decode(new Uint8Array([0x41, 0xe4, 0xb8]), true)).toBe('A')
    expect(d.end()).toBe('\ufffd')
    expect(d.decode(new Uint8Array([0x42]))).toBe('B')
  })

  it('decodes large inputs', () => {
    const text = '中'.repeat(300_000)
    expect(decodeUtf8(encodeUtf8(text))).toBe(text)
  })
})
