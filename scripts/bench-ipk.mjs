// The .ipk sizes beside their budget (product.md, Budgets), for `npm run bench`.
import { writeIpks } from './ipk.mjs'

/** The budget: pbr + luci-app-pbr + ddns-scripts together, about 90 KB compressed. It is about the
 * package `lanvpn` (what `opkg install lanvpn` needs), as luci-app-pbr's figure is without its
 * luci-i18n-pbr-* packages; each language package is optional and only reported. */
export const IPK_BUDGET_BYTES = 90 * 1024

/** Builds every .ipk into dist/ (needs `npm run build` first) and reports their sizes:
 * `{ main: { name, file, bytes, budget, ok }, languages: [{ name, file, bytes }] }`; `languages`
 * holds every optional package (lanvpn-node, lanvpn-openvpn, luci-app-lanvpn and the languages). */
export function reportPackageSizes() {
  const [main, ...languages] = writeIpks().map(({ pkg, path, bytes }) => ({
    name: pkg.name,
    file: path,
    bytes,
  }))
  return {
    main: { ...main, budget: IPK_BUDGET_BYTES, ok: main.bytes <= IPK_BUDGET_BYTES },
    languages,
  }
}
