import { describe, expect, it } from 'vitest'
import { renderStatusFile, STATUS_SIZE_STEP } from '../../applet/src/core/render/status'

const status = (rxBytes: number, label = 'home') => ({
  version: 1,
  generation: 7,
  tunnel: { state: 'connected', profile: label, rxBytes },
})

describe('the status file', () => {
  it('is the status as JSON, padded with spaces to a whole step and ended by a newline', () => {
    const text = renderStatusFile(status(1), 0)
    expect(text.length).toBe(STATUS_SIZE_STEP)
    expect(text.endsWith(' \n')).toBe(true)
    expect(JSON.parse(text)).toEqual(status(1))
  })

  it('keeps its size while the status grows by a few bytes, so a reader of the old size gets it whole', () => {
    const before = renderStatusFile(status(9), 0)
    const after = renderStatusFile(status(9_999_999), before.length)
    expect(after.length).toBe(before.length)
    // What rpcd's file.read does: st_size of the old file, read from the new one.
    expect(JSON.parse(after.slice(0, before.length))).toEqual(status(9_999_999))
  })

  it('never gets shorter than the file it replaces', () => {
    const big = renderStatusFile({ problems: 'x'.repeat(3000) }, 0)
    expect(big.length).toBe(3 * STATUS_SIZE_STEP)
    expect(renderStatusFile(status(1), big.length).length).toBe(big.length)
  })

  it('grows by a whole step when the status outgrows one', () => {
    const text = renderStatusFile({ problems: 'x'.repeat(STATUS_SIZE_STEP) }, STATUS_SIZE_STEP)
    expect(text.length).toBe(2 * STATUS_SIZE_STEP)
  })

  it('is ASCII only, so its length in characters is its size in bytes', () => {
    const text = renderStatusFile(status(1, 'Дача 🏠'), 0)
    expect(text).toMatch(/^[\x00-\x7f]*$/)
    expect(Buffer.byteLength(text, 'utf8')).toBe(STATUS_SIZE_STEP)
    expect(JSON.parse(text).tunnel.profile).toBe('Дача 🏠')
  })
})
