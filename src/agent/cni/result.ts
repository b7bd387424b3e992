import type { CniResult } from './types.js'
import { compareVersions, isSupportedVersion, versionAtLeast } from './version.js'

/**
 * CNI results across versions. Internally every result has the 1.0.0 shape (`CniResult`); a
 * 0.3.x/0.4.0 result differs by `ips[].version` ("4"/"6") and fewer interface/route fields.
 * Results go back down to the version a plugin (prevResult) or the runtime asked for.
 */

type Json = Record<string, unknown>

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function bad(path: string, why: string): never {
  throw new TypeError(`result ${path}: ${why}`)
}

function arrayAt(r: Json, key: string): Json[] | undefined {
  const v = r[key]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) bad(`.${key}`, 'expected an array')
  return v.map((e: unknown, i) => {
    if (!isObject(e)) bad(`.${key}[${i}]`, 'expected an object')
    return e
  })
}

function str(o: Json, key: string, path: string, required = false): string | undefined {
  const v = o[key]
  if (v === undefined || v === null) {
    if (required) bad(`${path}.${key}`, 'required')
    return undefined
  }
  if (typeof v !== 'string') bad(`${path}.${key}`, 'expected a string')
  return v
}

function num(o: Json, key: string, path: string): number | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number') bad(`${path}.${key}`, 'expected a number')
  return v
}

/** Copies the keys of `o` whose values are defined (results never carry `undefined`). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/**
 * Reads a plugin's result (0.3.0 through 1.1.0) into the 1.0.0 shape. `fallbackVersion` is the
 * version the plugin was asked for, used when the result omits `cniVersion`.
 */
export function toCurrentResult(raw: unknown, fallbackVersion: string): CniResult {
  if (!isObject(raw)) bad('', 'expected a JSON object')
  const version = str(raw, 'cniVersion', '') ?? fallbackVersion
  if (!isSupportedVersion(version)) bad('.cniVersion', `version ${version} is not supported`)
  const interfaces = arrayAt(raw, 'interfaces')?.map((i, n) =>
    defined({
      name: str(i, 'name', `.interfaces[${n}]`, true)!,
      mac: str(i, 'mac', `.interfaces[${n}]`),
      mtu: num(i, 'mtu', `.interfaces[${n}]`),
      sandbox: str(i, 'sandbox', `.interfaces[${n}]`),
      socketPath: str(i, 'socketPath', `.interfaces[${n}]`),
      pciID: str(i, 'pciID', `.interfaces[${n}]`),
    }),
  )
  const ips = arrayAt(raw, 'ips')?.map((ip, n) =>
    defined({
      address: str(ip, 'address', `.ips[${n}]`, true)!,
      gateway: str(ip, 'gateway', `.ips[${n}]`),
      interface: num(ip, 'interface', `.ips[${n}]`),
    }),
  )
  const routes = arrayAt(raw, 'routes')?.map((r, n) =>
    defined({
      dst: str(r, 'dst', `.routes[${n}]`, true)!,
      gw: str(r, 'gw', `.routes[${n}]`),
      mtu: num(r, 'mtu', `.routes[${n}]`),
      advmss: num(r, 'advmss', `.routes[${n}]`),
      priority: num(r, 'priority', `.routes[${n}]`),
      table: num(r, 'table', `.routes[${n}]`),
      scope: num(r, 'scope', `.routes[${n}]`),
    }),
  )
  const dns = raw.dns
  if (dns !== undefined && dns !== null && !isObject(dns)) bad('.dns', 'expected an object')
  return defined({
    cniVersion: versionAtLeast(version, '1.0.0') ? version : '1.0.0',
    interfaces,
    ips,
    routes,
    dns: dns ? (dns as CniResult['dns']) : undefined,
  })
}

/**
 * Writes a result in the shape of `version`: what a plugin expects as prevResult, and what the
 * runtime expects back (the runtime's own cniVersion).
 */
export function convertResult(result: CniResult, version: string): Record<string, unknown> {
  if (!isSupportedVersion(version)) {
    throw new TypeError(`cannot write a result for CNI version ${version}`)
  }
  if (compareVersions(version, '1.0.0') >= 0) return { ...result, cniVersion: version }
  return defined({
    cniVersion: version,
    interfaces: result.interfaces?.map((i) =>
      defined({ name: i.name, mac: i.mac, sandbox: i.sandbox }),
    ),
    ips: result.ips?.map((ip) =>
      defined({
        version: ip.address.includes(':') ? '6' : '4',
        address: ip.address,
        gateway: ip.gateway,
        interface: ip.interface,
      }),
    ),
    routes: result.routes?.map((r) => defined({ dst: r.dst, gw: r.gw })),
    dns: result.dns,
  })
}
