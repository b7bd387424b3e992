import type { AgentIdentities } from './options.js'
import type { UserInfo } from './review.js'

export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name'

/** True when the caller is one of the agent's configured identities. */
export function isAgent(user: UserInfo, agent: AgentIdentities): boolean {
  const name = user.username ?? ''
  if (name !== '' && agent.users.includes(name)) return true
  if ((user.groups ?? []).some((g) => agent.groups.includes(g))) return true
  return agent.serviceAccounts.some((sa) => {
    const [ns, sName] = sa.split('/')
    return name === `system:serviceaccount:${ns}:${sName}`
  })
}

/**
 * The node a caller is bound to: bound service-account tokens carry it in userInfo.extra
 * (Kubernetes 1.30+), node credentials in the username `system:node:<name>`.
 */
export function callerNode(user: UserInfo): string | undefined {
  const fromExtra = user.extra?.[NODE_NAME_EXTRA]?.[0]
  if (fromExtra) return fromExtra
  const name = user.username ?? ''
  return name.startsWith('system:node:') ? name.slice('system:node:'.length) : undefined
}
