// Types for scripts/ipk.mjs (a plain Node script), for the package tests.

/** A package's control metadata. `paths`: what it holds of the router tree (the main package, which
 * has none, holds the rest); `lang` makes it the language package of that catalog directory. */
export type PackageMeta = {
  name: string
  depends: string[]
  source: string
  license: string
  section: string
  maintainer: string
  url: string
  description: string[]
  paths?: string[]
  lang?: string
  /** Maintainer scripts of a package other than the main one: name → file in the control dir. */
  scripts?: Record<string, string>
}
/** A tar entry; no data means a directory. */
export type TarInput = { name: string; mode: number; data?: Buffer }

export const PACKAGE: PackageMeta
export const EXECUTABLES: string[]
export const PRIVATE_FILES: string[]
export const I18N_DIR: string
export const LANGUAGES: Record<string, string>
export const ADDONS: Record<
  string,
  {
    depends: string[]
    paths: string[]
    description: string[]
    section?: string
    scripts?: Record<string, string>
  }
>
export function i18nPackage(lang: string, version: string): PackageMeta
export function addonPackage(name: string, version: string): PackageMeta
export function holdsPath(pkg: PackageMeta, path: string): boolean
export function writeTar(entries: TarInput[], mtime: number): Buffer
export function gzipFixed(data: Buffer): Buffer
export function treeEntries(
  dir: string,
  modeOf: (path: string, isDir: boolean) => number
): TarInput[]
export function dataMode(path: string, isDir: boolean): number
export function renderControl(opts: {
  version: string
  epoch: number
  installedSize: number
  pkg?: PackageMeta
}): string
export function sourceDateEpoch(env?: Record<string, string | undefined>, cwd?: string): number
/** `controlDir` is read for the main package only (a language package has no scripts). */
export function buildIpk(opts: {
  rootDir: string
  controlDir: string
  version: string
  epoch: number
  pkg?: PackageMeta
}): { fileName: string; ipk: Buffer; data: Buffer; control: string }
export function packageVersion(env?: Record<string, string | undefined>): string
export function packagesOf(rootDir: string, version: string): PackageMeta[]
export function writeIpks(opts?: {
  outDir?: string
  env?: Record<string, string | undefined>
}): Array<{ pkg: PackageMeta; path: string; bytes: number }>
