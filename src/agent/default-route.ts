/**
 * `default-route` applied inside the pod: an attachment that loses a family's default route
 * (another selection asked for it) has its default routes of that family removed; the
 * attachment that asked gets `default via <gw> dev <ifname>`. The result is rewritten the same
 * way, so network-status, CHECK and DEL see what the kernel has (Multus patches its cache too).
 */
import { execFile } from 'node:child_process'
import { isIP } from 'node:net'
import type { CniResult } from './cni/types.js'
import type { PlannedAttachment } from './plan.js'

export interface RouteCommand {
  readonly args: readonly string[]
}

/** The `ip` commands (to run inside the netns) for one attachment, in order. */
export function routeCommands(a: PlannedAttachment): RouteCommand[] {
  const out: RouteCommand[] = []
  const wanted = a.defaultRoute ?? []
  const flush = (family: 4 | 6): void => {
    const dst = family === 4 ? '0.0.0.0/0' : '::/0'
    out.push({ args: [`-${family}`, 'route', 'flush', 'exact', dst, 'dev', a.ifName] })
  }
  for (const family of [4, 6] as const) {
    const gw = wanted.find((g) => isIP(g) === family)
    const filter = family === 4 ? a.filterV4Gateway : a.filterV6Gateway
    if (gw !== undefined) {
      flush(family)
      out.push({ args: [`-${family}`, 'route', 'add', 'default', 'via', gw, 'dev', a.ifName] })
    } else if (filter) flush(family)
  }
  return out
}

/** The result as it reads after `routeCommands`. */
export function rewriteRoutes(a: PlannedAttachment, result: CniResult): CniResult {
  const wanted = a.defaultRoute ?? []
  const touched = (family: 4 | 6): boolean =>
    wanted.some((g) => isIP(g) === family) || (family === 4 ? a.filterV4Gateway : a.filterV6Gateway)
  if (!touched(4) && !touched(6)) return result
  const routes = (result.routes ?? []).filter((r) => {
    const family = r.dst === '0.0.0.0/0' ? 4 : r.dst === '::/0' ? 6 : undefined
    return family === undefined || !touched(family)
  })
  for (const gw of wanted) routes.push({ dst: isIP(gw) === 4 ? '0.0.0.0/0' : '::/0', gw })
  return { ...result, routes }
}

export type RouteRunner = (netns: string, args: readonly string[]) => Promise<void>

/** Runs `ip` inside the network namespace at `netns` (any path: /run/netns/x, /proc/N/ns/net). */
export const nsenterIp: RouteRunner = (netns, args) =>
  new Promise((resolve, reject) => {
    execFile(
      'nsenter',
      [`--net=${netns}`, '--', 'ip', ...args],
      { timeout: 10_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`))
        else resolve()
      },
    )
  })

export async function applyDefaultRoute(
  a: PlannedAttachment,
  netns: string,
  run: RouteRunner = nsenterIp,
): Promise<void> {
  for (const cmd of routeCommands(a)) await run(netns, cmd.args)
}
