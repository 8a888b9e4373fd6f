// Wireless clients through hostapd's ubus objects (OpenWrt builds hostapd with ubus support):
// `ubus list 'hostapd.*'` names one object per AP interface, and
// `ubus call hostapd.<ifname> get_clients` answers
// {"freq":2412,"clients":{"aa:bb:cc:dd:ee:ff":{"auth":true,"assoc":true,"authorized":true,…}}}.

/** The hostapd object names in `ubus list` output (one per line), e.g. ['hostapd.wlan0']. */
export function parseHostapdObjects(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^hostapd\.[A-Za-z0-9_.-]+$/.test(l))
}

/** MACs (lower case) of the clients associated with one AP, from `get_clients` JSON. Anything
 * unexpected gives []; never throws. */
export function parseHostapdClients(text: string): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return []
  }
  const clients = (parsed as { clients?: unknown } | null)?.clients
  if (typeof clients !== 'object' || clients === null) return []
  const out: string[] = []
  for (const [key, value] of Object.entries(clients)) {
    const mac = key.toLowerCase()
    const assoc = (value as { assoc?: unknown } | null)?.assoc
    if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac) && assoc !== false) out.push(mac)
  }
  return out
}
