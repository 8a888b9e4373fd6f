// Profile ids are UCI section names and secret-file stems: they must stay [a-z0-9_] (UCI names allow
// no '-', openwrt-contracts §4.1) and short, and never change once given, so a rename touches only
// the label and every reference (active_profile, fallback, secret files) stays valid.

/** The longest id: fits a UCI name and leaves room for the `profile_` prefix and a `.psk12` suffix
 * in a secret file name. */
export const MAX_PROFILE_ID_LENGTH = 32

/** A profile id derived from a label ("Amsterdam #2" → `amsterdam_2`), unique among `taken` by
 * adding `_2`, `_3` …. Deterministic: the same label and taken ids always give the same id. */
export function profileIdFromLabel(label: string, taken: readonly string[]): string {
  const base =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, MAX_PROFILE_ID_LENGTH)
      .replace(/_+$/, '') || 'profile'
  if (!taken.includes(base)) return base
  for (let n = 2; ; n++) {
    const suffix = `_${n}`
    const id = base.slice(0, MAX_PROFILE_ID_LENGTH - suffix.length).replace(/_+$/, '') + suffix
    if (!taken.includes(id)) return id
  }
}

/** Whether `s` has the form of a profile id: what profileIdFromLabel makes, or a hand-written UCI
 * name (upper case allowed, as validate.ts accepts it). The API checks ids with this first. */
export function isProfileId(s: string): boolean {
  return s.length > 0 && s.length <= MAX_PROFILE_ID_LENGTH && /^[A-Za-z0-9_]+$/.test(s)
}
