/**
 * network-status entries from delegate results, with the semantics of the NAD client's
 * CreateNetworkStatuses (what Multus writes and what consumers such as whereabouts and ovn-k
 * read): one entry per interface inside the sandbox, IPs mapped by `ips[].interface` (an IP
 * without an index goes to the last entry, NAD client #74), `gateway` from the default routes,
 * and `default: true` on the primary network's entry.
 */
import { isIP } from 'node:net'
import type { NetworkStatusEntry } from '../spec/types.js'
import { orderedStatusEntry } from '../spec/network-status.js'
import type { CniResult } from './cni/types.js'
import type { PlannedAttachment } from './plan.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export function statusEntries(attachments: readonly PlannedAttachment[]): NetworkStatusEntry[] {
  return attachments.flatMap((a) =>
    a.result === undefined ? [] : entriesOf(a.network, a.result, a.primary, a.deviceId),
  )
}

export function entriesOf(
  network: string,
  result: CniResult,
  isDefault: boolean,
  deviceId?: string,
): NetworkStatusEntry[] {
  const interfaces = result.interfaces ?? []
  const sandboxed = interfaces
    .map((iface, index) => ({ iface, index }))
    .filter(({ iface }) => iface.sandbox !== undefined && iface.sandbox !== '')
  const gateways = defaultGateways(result)
  const dns = dnsOf(result)
  const device =
    deviceId === undefined
      ? undefined
      : { type: 'pci', version: '1.1.0', pci: { 'pci-address': deviceId } }
  const base = (): Mutable<NetworkStatusEntry> => {
    const e: Mutable<NetworkStatusEntry> = { name: network }
    if (dns) e.dns = dns
    if (device) e['device-info'] = device
    return e
  }
  const ipsAll = (result.ips ?? []).map((ip) => stripPrefix(ip.address))
  if (sandboxed.length <= 1) {
    const e = base()
    const only = sandboxed[0]?.iface
    if (only) {
      e.interface = only.name
      if (only.mac) e.mac = only.mac
      if (only.mtu) e.mtu = only.mtu
    }
    if (ipsAll.length > 0) e.ips = ipsAll
    if (gateways.length > 0) e.gateway = gateways
    if (isDefault) e.default = true
    return [orderedStatusEntry(e)]
  }
  const entries = sandboxed.map(({ iface }) => {
    const e = base()
    e.interface = iface.name
    if (iface.mac) e.mac = iface.mac
    if (iface.mtu) e.mtu = iface.mtu
    return e
  })
  const ipsOf = entries.map(() => [] as string[])
  const gwOf = entries.map(() => [] as string[])
  let defaultAt: number | undefined
  for (const ip of result.ips ?? []) {
    let at = sandboxed.findIndex(({ index }) => index === ip.interface)
    if (at < 0) at = entries.length - 1
    ipsOf[at]!.push(stripPrefix(ip.address))
    if (ip.gateway) {
      defaultAt ??= at
      const family = isIP(ip.gateway)
      for (const gw of gateways) if (isIP(gw) === family) gwOf[at]!.push(gw)
    }
  }
  entries.forEach((e, i) => {
    if (ipsOf[i]!.length > 0) e.ips = ipsOf[i]
    const gws = [...new Set(gwOf[i])]
    if (gws.length > 0) e.gateway = gws
  })
  if (isDefault) entries[defaultAt ?? 0]!.default = true
  return entries.map(orderedStatusEntry)
}

/** Gateways of default routes; a default route without `gw` uses its family's IP gateway. */
function defaultGateways(result: CniResult): string[] {
  const out: string[] = []
  for (const r of result.routes ?? []) {
    if (r.dst !== '0.0.0.0/0' && r.dst !== '::/0') continue
    const family = r.dst === '::/0' ? 6 : 4
    const gw =
      r.gw ?? (result.ips ?? []).find((ip) => ip.gateway && isIP(ip.gateway) === family)?.gateway
    if (gw !== undefined && !out.includes(gw)) out.push(gw)
  }
  return out
}

function dnsOf(result: CniResult): NetworkStatusEntry['dns'] | undefined {
  const d = result.dns
  if (!d) return undefined
  const out: { nameservers?: string[]; domain?: string; search?: string[] } = {}
  if (d.nameservers && d.nameservers.length > 0) out.nameservers = [...d.nameservers]
  if (d.domain) out.domain = d.domain
  if (d.search && d.search.length > 0) out.search = [...d.search]
  return Object.keys(out).length > 0 ? out : undefined
}

function stripPrefix(cidr: string): string {
  const slash = cidr.indexOf('/')
  return slash < 0 ? cidr : cidr.slice(0, slash)
}
