/**
 * Who can talk to the e2e control plane. Token-file users for the product's identities, client
 * certs for nodes (the way kubelets authenticate, so the Node authorizer and NodeRestriction see
 * a real node identity).
 */
import { randomBytes } from 'node:crypto'
import { stringify } from 'yaml'

export const WEBHOOK_USER = 'system:serviceaccount:multinet-system:multinet-webhook'
export const AGENT_USER = 'system:serviceaccount:multinet-system:multinet-agent'

export type NodeIdentity = `system:node:${string}`
export type Identity = 'admin' | 'webhook' | 'agent' | 'nobody' | NodeIdentity

export const TOKEN_IDENTITIES = ['admin', 'webhook', 'agent', 'nobody'] as const
export type TokenIdentity = (typeof TOKEN_IDENTITIES)[number]

interface TokenUser {
  user: string
  groups: readonly string[]
}

// Service-account style users carry the groups a real SA token would, so RBAC bindings written
// for the chart's service accounts (kind ServiceAccount or group system:serviceaccounts) match.
const SA_GROUPS = ['system:serviceaccounts', 'system:serviceaccounts:multinet-system']

export const TOKEN_USERS: Readonly<Record<TokenIdentity, TokenUser>> = {
  admin: { user: 'multinet-e2e-admin', groups: ['system:masters'] },
  webhook: { user: WEBHOOK_USER, groups: SA_GROUPS },
  agent: { user: AGENT_USER, groups: SA_GROUPS },
  nobody: { user: 'multinet-e2e-nobody', groups: [] },
}

export function isNodeIdentity(identity: string): identity is NodeIdentity {
  return /^system:node:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(identity)
}

export function newTokens(): Record<TokenIdentity, string> {
  const token = (): string => randomBytes(24).toString('hex')
  return { admin: token(), webhook: token(), agent: token(), nobody: token() }
}

/** The apiserver's --token-auth-file: token,user,uid,"group1,group2". */
export function tokenAuthFile(tokens: Record<TokenIdentity, string>): string {
  return TOKEN_IDENTITIES.map((id) => {
    const { user, groups } = TOKEN_USERS[id]
    return `${tokens[id]},${user},uid-${id},"${groups.join(',')}"`
  }).join('\n')
}

export type Credentials = { token: string } | { certPem: string; keyPem: string }

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

/** A self-contained kubeconfig (CA and credentials inline), usable with kubectl or client-node. */
export function kubeconfigYaml(
  apiUrl: string,
  caPem: string,
  name: string,
  creds: Credentials,
): string {
  const user =
    'token' in creds
      ? { token: creds.token }
      : { 'client-certificate-data': b64(creds.certPem), 'client-key-data': b64(creds.keyPem) }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'multinet-e2e',
        cluster: { server: apiUrl, 'certificate-authority-data': b64(caPem) },
      },
    ],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: 'multinet-e2e', user: name } }],
    'current-context': name,
  })
}
