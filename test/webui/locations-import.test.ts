// The Locations import over a fake api: a file's text is kept out of sight, credentials go only
// with the profiles that ask for them, a failed import leaves no stale "Applied.", and a provider's
// .zip becomes one import per location with what happened said file by file.
import { signal } from '../../webui/src/signals'
import { describe, expect, it, vi } from 'vitest'
import type { StatusSnapshot } from '../../webui/src/api/lanvpn'
import { createLanvpnApi } from '../../webui/src/api/lanvpn'
import { createApplyTracker } from '../../webui/src/models/apply'
import { createLocationsModel } from '../../webui/src/models/locations'
import { makeZip } from '../fixtures/zip'

const WG = '[Interface]\nPrivateKey = r0yIPqLNeXxOw/k66uK2v2ekNmi0w/KuM0MGHufE0po=\n'
const OVPN = 'client\nremote nl.example.net 1194\nauth-user-pass\nca ca.crt\n'

type Call = { method: string; args: Record<string, unknown> }

function setup(answer: (args: Record<string, unknown>) => unknown) {
  const calls: Call[] = []
  const call = vi.fn(async (_obj: string, method: string, args: Record<string, unknown>) => {
    if (method !== 'importProfile')
      return { profiles: [], active: '', connect: false, fallback: [] }
    calls.push({ method, args })
    return answer(args)
  })
  const api = createLanvpnApi({ call: call as never, readFile: async () => '{}' })
  const status = signal<StatusSnapshot | null>({ configHash: 'c1' })
  const tracker = createApplyTracker(status)
  const m = createLocationsModel({ api, tracker, status })
  return { m, calls, tracker }
}

const refused = (message: string) => ({
  error: {
    code: 'invalid_profile',
    message,
    field: 'text',
    notes: [{ line: 5, level: 'error', message }],
  },
})
const saved = (id: string) => ({ ok: true, id, notes: [], configHash: 'c2', daemonNotified: true })

describe('importing one file', () => {
  it('keeps a chosen file’s text (its private key) out of the form and names the file', async () => {
    const { m } = setup(() => saved('ams'))
    await m.takeFile(new File([WG], 'ams-wg-001.conf'))
    expect(m.draft.value).toMatchObject({
      text: WG,
      fileName: 'ams-wg-001.conf',
      name: 'ams-wg-001',
    })
    m.clearFile()
    expect(m.draft.value).toMatchObject({ text: '', fileName: '' })
  })

  it('reads a UTF-16 file from a Windows editor and refuses one with NUL bytes, saying so', async () => {
    const { m } = setup(() => saved('zh'))
    const text = `# Zürich\r\n${WG}`
    const utf16 = new Uint8Array(
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    )
    await m.takeFile(new File([utf16], 'zurich.conf'))
    expect(m.draft.value.text).toBe(text)
    await m.takeFile(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0])], 'qr.conf'))
    expect(m.actions.error.value?.message).toBe(
      'qr.conf: the file holds NUL bytes: it is binary or corrupt'
    )
  })

  it('sends a user name and password only with a profile that asks for them', async () => {
    const { m, calls } = setup(() => saved('x'))
    m.editDraft({ name: 'A', text: WG, username: 'u', password: 'p' })
    await m.importDraft()
    m.editDraft({ name: 'B', text: OVPN, username: 'u', password: 'p' })
    await m.importDraft()
    expect(calls.map((c) => [c.args.name, c.args.username])).toEqual([
      ['A', undefined],
      ['B', 'u'],
    ])
    expect(m.imported.value).toBe('B')
  })

  it('clears an earlier change’s "Applied." when an import fails', async () => {
    const { m, tracker } = setup(() =>
      refused('username: this profile needs a user name and password')
    )
    tracker.track({ configHash: 'c1', daemonNotified: true })
    expect(tracker.phase.value).toBe('applied')
    m.editDraft({ name: 'B', text: OVPN })
    expect(await m.importDraft()).toBeUndefined()
    expect(tracker.phase.value).toBe('idle')
    expect(m.imported.value).toBe('')
  })
})

describe('importing a provider’s archive', () => {
  it('imports each location on its own with the shared credentials and says what happened file by file', async () => {
    const zip = makeZip([
      { name: 'wg/se-got.conf', text: WG, stored: true },
      { name: 'ovpn/nl.ovpn', text: OVPN },
      { name: 'ovpn/ca.crt', text: 'PEM\n', stored: true },
      { name: 'amnezia.conf', text: `${WG}Jc = 4\n`, stored: true },
      { name: 'qr.png', text: 'png', stored: true },
    ])
    const { m, calls } = setup((args) =>
      String(args.text).includes('Jc')
        ? refused('line 5: jc is an AmneziaWG setting')
        : saved(String(args.name))
    )
    await m.takeFile(new File([new Uint8Array(zip)], 'provider.zip'))
    expect(m.archive.value?.plan.locations.map((l) => l.name)).toEqual(['se-got', 'nl', 'amnezia'])
    m.editDraft({ username: 'p1234567', password: 'secret' })
    await m.importArchive()
    expect(calls.map((c) => [c.args.name, c.args.username, c.args.files])).toEqual([
      ['se-got', undefined, undefined],
      ['nl', 'p1234567', { 'ca.crt': 'PEM\n' }],
      ['amnezia', undefined, undefined],
    ])
    expect(m.outcomes.value.map((o) => [o.file, o.outcome, o.message])).toEqual([
      ['wg/se-got.conf', 'imported', 'se-got'],
      ['ovpn/nl.ovpn', 'imported', 'nl'],
      ['amnezia.conf', 'refused', 'line 5: jc is an AmneziaWG setting'],
      ['qr.png', 'skipped', 'not a .conf or .ovpn file'],
    ])
    expect(m.archive.value).toBeNull()
  })

  it('says why an archive cannot be read', async () => {
    const { m } = setup(() => saved('x'))
    await m.takeFile(new File(['PK\u0003\u0004 broken'], 'provider.zip'))
    expect(m.actions.error.value?.message).toBe('provider.zip: not a zip archive')
    expect(m.archive.value).toBeNull()
  })
})
