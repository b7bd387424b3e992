/**
 * `k8s.v1.cni.cncf.io/network-status` (multi-net-spec §5): a JSON list with one entry per
 * attachment. The agent writes it and the webhook checks what anyone writes; both go through
 * these functions. Unknown keys are dropped (implementations add their own), types are checked.
 */
import { error, type Finding } from './finding.js'
import { isObject, jsonTypeOf, parseJson, pathKey } from './json.js'
import { hardwareAddressBytes, interfaceNameProblem, ipOrCidrProblem, ipProblem } from './names.js'
import type { NetworkStatusEntry } from './types.js'
import { MAX_ANNOTATION_BYTES, MAX_STATUS_ENTRIES } from './limits.js'

export interface NetworkStatusResult {
  /** The entries in order; empty whenever `findings` holds an error. */
  readonly entries: NetworkStatusEntry[]
  readonly findings: Finding[]
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const ROOT = 'network-status'

export function parseNetworkStatus(value: string): NetworkStatusResult {
  const findings: Finding[] = []
  const fail = (path: string, message: string): undefined => {
    findings.push(error('status.syntax', path, message))
    return undefined
  }
  const bytes = value.length > MAX_ANNOTATION_BYTES / 4 ? Buffer.byteLength(value, 'utf8') : 0
  if (bytes > MAX_ANNOTATION_BYTES) {
    fail(ROOT, `is ${bytes} bytes long; at most ${MAX_ANNOTATION_BYTES} are read`)
    return { entries: [], findings }
  }
  const json = parseJson(value)
  if (!json.ok) {
    fail(ROOT, json.message)
    return { entries: [], findings }
  }
  if (!Array.isArray(json.value)) {
    fail(ROOT, `must be a JSON list of status entries, got ${jsonTypeOf(json.value)}`)
    return { entries: [], findings }
  }
  if (json.value.length > MAX_STATUS_ENTRIES) {
    fail(ROOT, `has ${json.value.length} entries; at most ${MAX_STATUS_ENTRIES} are allowed`)
    return { entries: [], findings }
  }
  let firstDefault: number | undefined
  const entries = json.value.map((item: unknown, i): NetworkStatusEntry | undefined => {
    const path = `${ROOT}[${i}]`
    if (!isObject(item)) return fail(path, `must be an object, got ${jsonTypeOf(item)}`)
    const entry = readEntry(item, path, fail)
    if (item.default === true) {
      if (firstDefault === undefined) firstDefault = i
      else
        fail(
          `${path}.default`,
          `only one entry may be the default network; ${ROOT}[${firstDefault}] already is`,
        )
    }
    return entry
  })
  if (findings.length > 0) return { entries: [], findings }
  return { entries: entries as NetworkStatusEntry[], findings }
}

const KEY_ORDER = [
  'name',
  'interface',
  'ips',
  'mac',
  'mtu',
  'default',
  'dns',
  'default-route',
  'gateway',
  'device-info',
  'infiniband-guid',
] as const

/** An entry with its keys in the canonical order (the order Multus writes them). */
export function orderedStatusEntry(e: NetworkStatusEntry): NetworkStatusEntry {
  return Object.fromEntries(
    KEY_ORDER.filter((k) => e[k] !== undefined).map((k) => [k, e[k]]),
  ) as unknown as NetworkStatusEntry
}

/** The annotation text, indented like Multus writes it so that `kubectl describe` stays readable. */
export function formatNetworkStatus(entries: readonly NetworkStatusEntry[]): string {
  return JSON.stringify(entries.map(orderedStatusEntry), null, 4)
}

type Fail = (path: string, message: string) => undefined

function readEntry(
  item: Record<string, unknown>,
  path: string,
  fail: Fail,
): NetworkStatusEntry | undefined {
  const at = (key: string): string => pathKey(path, key)
  let ok = true
  const bad = (p: string, message: string): undefined => {
    ok = false
    return fail(p, message)
  }
  const str = (key: string): string | undefined => {
    const v = item[key]
    if (v === undefined || typeof v === 'string') return v
    return bad(at(key), `must be a string, got ${jsonTypeOf(v)}`)
  }
  const strings = (v: unknown, p: string, check?: (s: string) => string | undefined) => {
    if (v === undefined) return undefined
    if (!Array.isArray(v)) return bad(p, `must be a list of strings, got ${jsonTypeOf(v)}`)
    v.forEach((s: unknown, j) => {
      if (typeof s !== 'string') bad(`${p}[${j}]`, `must be a string, got ${jsonTypeOf(s)}`)
      else {
        const problem = check?.(s)
        if (problem) bad(`${p}[${j}]`, `${JSON.stringify(s)} ${problem}`)
      }
    })
    return v as string[]
  }

  const entry: Mutable<NetworkStatusEntry> = { name: '' }
  const name = str('name')
  if (name === undefined && item.name === undefined) bad(at('name'), 'is required')
  else if (name === '') bad(at('name'), 'must not be empty')
  else if (name !== undefined) entry.name = name

  const iface = str('interface')
  const ifaceProblem = iface === undefined ? undefined : interfaceNameProblem(iface)
  if (ifaceProblem) bad(at('interface'), `${JSON.stringify(iface)} ${ifaceProblem}`)
  else if (iface !== undefined) entry.interface = iface

  const ips = strings(item.ips, at('ips'), ipOrCidrProblem)
  if (ips) entry.ips = ips

  const mac = str('mac')
  if (mac !== undefined) {
    // Ethernet (6), EUI-64 (8) or IPoIB (20) hardware addresses all appear in practice.
    if (![6, 8, 20].includes(hardwareAddressBytes(mac))) {
      bad(at('mac'), `${JSON.stringify(mac)} must be a hardware address such as 02:00:5e:10:00:01`)
    } else if (iface === undefined) {
      bad(at('mac'), 'needs "interface": a MAC is reported only with the interface it belongs to')
    } else entry.mac = mac
  }

  if (item.mtu !== undefined) {
    const mtu = item.mtu
    if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu <= 0) {
      bad(at('mtu'), `must be a positive integer, got ${JSON.stringify(mtu)}`)
    } else entry.mtu = mtu
  }

  if (item.default !== undefined) {
    if (typeof item.default !== 'boolean') {
      bad(at('default'), `must be true or false, got ${jsonTypeOf(item.default)}`)
    } else entry.default = item.default
  }

  if (item.dns !== undefined) {
    const dns = item.dns
    if (!isObject(dns)) bad(at('dns'), `must be an object, got ${jsonTypeOf(dns)}`)
    else {
      const out: { nameservers?: string[]; domain?: string; search?: string[] } = {}
      const nameservers = strings(dns.nameservers, `${at('dns')}.nameservers`, ipProblem)
      if (nameservers) out.nameservers = nameservers
      if (dns.domain !== undefined) {
        if (typeof dns.domain !== 'string') {
          bad(`${at('dns')}.domain`, `must be a string, got ${jsonTypeOf(dns.domain)}`)
        } else out.domain = dns.domain
      }
      const search = strings(dns.search, `${at('dns')}.search`)
      if (search) out.search = search
      entry.dns = out
    }
  }

  const routes = strings(item['default-route'], at('default-route'), ipProblem)
  if (routes) entry['default-route'] = routes
  const gateway = strings(item.gateway, at('gateway'), ipProblem)
  if (gateway) entry.gateway = gateway

  if (item['device-info'] !== undefined) {
    const info = item['device-info']
    if (!isObject(info)) bad(at('device-info'), `must be an object, got ${jsonTypeOf(info)}`)
    else if (info.type !== undefined && typeof info.type !== 'string') {
      bad(`${at('device-info')}.type`, `must be a string, got ${jsonTypeOf(info.type)}`)
    } else entry['device-info'] = info
  }

  const guid = str('infiniband-guid')
  if (guid !== undefined) {
    if (hardwareAddressBytes(guid) !== 8)
      bad(at('infiniband-guid'), `${JSON.stringify(guid)} must be an 8-byte GUID`)
    else entry['infiniband-guid'] = guid
  }
  return ok ? entry : undefined
}
