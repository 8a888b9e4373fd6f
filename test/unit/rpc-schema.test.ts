import { describe, expect, it } from 'vitest'
import { methods } from '../../applet/src/rpc/methods'
import { handleCall, MAX_INPUT_BYTES, renderList, utf8Length } from '../../applet/src/rpc/protocol'
import { typeSample, validateArgs } from '../../applet/src/rpc/schema'
import type { Host } from '../../applet/src/host/host'

// handleCall's parse/validate path never touches the host for these inputs.
const noHost = {} as Host
const ctx = { host: noHost, paths: {} as never }

describe('rpc argument schemas', () => {
  it('lists type samples, not type names, as rpcd expects', () => {
    const list = renderList(methods)
    expect(list.status).toEqual({})
    expect(list.setConfig).toEqual({ globals: {}, mediastreamer: {}, groups: {} })
    const samples = Object.values(list).flatMap((args) => Object.values(args))
    for (const v of samples)
      expect(
        [{}, [], true, 32, 'str'].some((t) => JSON.stringify(t) === JSON.stringify(v)) ||
          typeof v === 'string'
      ).toBe(true)
    expect(samples).not.toContain(8)
    expect(samples).not.toContain(16)
    expect(samples).not.toContain(64)
    expect(typeSample({ type: 'int', min: 0, max: 9 })).toBe(32)
    expect(typeSample({ type: 'boolean' })).toBe(true)
    expect(typeSample({ type: 'string', maxLength: 9 })).toBe('str')
    expect(typeSample({ type: 'array', maxItems: 9 })).toEqual([])
  })

  it('accepts the ubus_rpc_session key uhttpd adds and drops it from the arguments', () => {
    const r = validateArgs(
      { a: { type: 'boolean' } },
      { a: true, ubus_rpc_session: 'x'.repeat(32) }
    )
    expect(r).toEqual({ args: { a: true } })
  })

  it('rejects unknown fields, naming them', () => {
    const r = validateArgs({ a: { type: 'boolean' } }, { b: 1 })
    expect(r).toEqual({
      error: { code: 'invalid_argument', message: 'b: unknown argument', field: 'b' },
    })
  })

  it('rejects wrong types and out-of-range values with the field named', () => {
    const specs = {
      n: { type: 'int', min: 1, max: 5 },
      s: { type: 'string', maxLength: 3 },
      o: { type: 'object', maxKeys: 1 },
    } as const
    expect(validateArgs(specs, { n: 1.5 })).toMatchObject({
      error: { field: 'n', message: 'n: must be a whole number' },
    })
    expect(validateArgs(specs, { n: 9 })).toMatchObject({
      error: { field: 'n', message: 'n: must be from 1 to 5' },
    })
    expect(validateArgs(specs, { s: 'abcd' })).toMatchObject({ error: { field: 's' } })
    expect(validateArgs(specs, { o: [] })).toMatchObject({
      error: { field: 'o', message: 'o: must be an object' },
    })
    expect(validateArgs(specs, { o: { a: 1, b: 2 } })).toMatchObject({ error: { field: 'o' } })
  })

  it('reports a missing required argument', () => {
    expect(
      validateArgs({ mac: { type: 'string', maxLength: 17, required: true } }, {})
    ).toMatchObject({
      error: { field: 'mac', message: 'mac: is required' },
    })
  })
})

describe('rpc call protocol', () => {
  it('answers garbage stdin with an error object, never a throw', async () => {
    expect(await handleCall(methods, ctx, 'status', '{not json')).toEqual({
      error: { code: 'invalid_json', message: 'input is not valid JSON' },
    })
    expect(await handleCall(methods, ctx, 'status', '[1,2]')).toMatchObject({
      error: { code: 'invalid_json' },
    })
    expect(await handleCall(methods, ctx, 'status', '"x"')).toMatchObject({
      error: { code: 'invalid_json' },
    })
  })

  it('refuses input over 64 KiB, counting bytes not characters', async () => {
    const big = `{"globals":{"x":"${'é'.repeat(MAX_INPUT_BYTES / 2)}"}}`
    expect(big.length).toBeLessThan(MAX_INPUT_BYTES + 100)
    expect(await handleCall(methods, ctx, 'setConfig', big)).toMatchObject({
      error: { code: 'too_large' },
    })
  })

  it('answers an unknown method with an error object', async () => {
    expect(await handleCall(methods, ctx, 'rm -rf', '{}')).toMatchObject({
      error: { code: 'unknown_method' },
    })
    expect(await handleCall(methods, ctx, 'toString', '{}')).toMatchObject({
      error: { code: 'unknown_method' },
    })
  })

  it('counts UTF-8 bytes like the wire does', () => {
    expect(utf8Length('a')).toBe(1)
    expect(utf8Length('é')).toBe(2)
    expect(utf8Length('中')).toBe(3)
    expect(utf8Length('😀')).toBe(4)
  })
})
