// Types for scripts/ipk.mjs (a plain Node script), for the package tests.

/** The package's control metadata. */
export type PackageMeta = {
  name: string
  depends: string[]
  source: string
  license: string
  section: string
  maintainer: string
  description: string[]
}
/** A tar entry; no data means a directory. */
export type TarInput = { name: string; mode: number; data?: Buffer }

export const PACKAGE: PackageMeta
export const EXECUTABLES: string[]
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
export function buildIpk(opts: {
  rootDir: string
  controlDir: string
  version: string
  epoch: number
  pkg?: PackageMeta
}): { fileName: string; ipk: Buffer; data: Buffer; control: string }
export function packageVersion(env?: Record<string, string | undefined>): string
export function writeIpk(opts?: {
  outDir?: string
  env?: Record<string, string | undefined>
}): string
