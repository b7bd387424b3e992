/**
 * Options of the kubectl-plugin commands (`networks`, `pods`, `nodes`, `explain`, `audit`).
 * They take kubectl's names and short forms (`-n`, `-A`, `-l`, `-o`, `-f`) so that
 * `kubectl multinet pods -A -o wide` reads like any kubectl command; each command uses the
 * subset it needs, and the rest of the table machinery (env MULTINET_*, --config, --help)
 * comes with it.
 */
import { DEFAULT_ADMISSION_OPTIONS, type AdmissionOptions } from '../admission/options.js'
import type { OptionTable } from './define.js'

export type OutputFormat = 'wide' | 'json' | 'yaml' | 'text'

export interface KubectlSettings {
  readonly kubeconfig: string | undefined
  readonly context: string | undefined
  readonly namespace: string | undefined
  readonly allNamespaces: boolean
  readonly selector: string | undefined
  readonly output: string | undefined
  readonly noHeaders: boolean
  readonly filename: string | undefined
  readonly policy: readonly string[]
  readonly policyNamespace: string
  readonly policyLabel: string
  readonly physicalNetworkLabelPrefix: string
  readonly resourceNameKeys: readonly string[]
  readonly pageSize: number
  readonly requestTimeoutMs: number
}

const C = 'Cluster access (as kubectl)'
const O = 'Output'
const P = 'Policy and admission (as the webhook is configured)'
const defaults = DEFAULT_ADMISSION_OPTIONS

export const KUBECTL_OPTIONS: OptionTable<KubectlSettings> = {
  kubeconfig: {
    group: C,
    type: 'string',
    metavar: 'file',
    description:
      'Kubeconfig file. Unset: the files of KUBECONFIG (merged), then ~/.kube/config, then the in-cluster service account.',
  },
  context: {
    group: C,
    type: 'string',
    metavar: 'name',
    description: 'Kubeconfig context to use instead of the current one.',
  },
  namespace: {
    group: C,
    type: 'string',
    metavar: 'name',
    description: '(-n) Namespace to look in.',
    defaultText: "the context's namespace, else default",
  },
  allNamespaces: {
    group: C,
    type: 'boolean',
    default: false,
    description: '(-A) Look in every namespace.',
  },
  selector: {
    group: C,
    type: 'string',
    metavar: 'selector',
    description:
      '(-l) Label selector of the listed objects, as kubectl takes it (app=web,tier!=db).',
  },
  output: {
    group: O,
    type: 'string',
    enum: ['wide', 'json', 'yaml', 'text'],
    description:
      '(-o) wide, json or yaml for the views; text or json for explain; text, json or yaml for audit.',
    defaultText: 'a table (text for explain and audit)',
  },
  noHeaders: {
    group: O,
    type: 'boolean',
    default: false,
    description: 'Print tables without the header line.',
  },
  filename: {
    group: O,
    type: 'string',
    metavar: 'file',
    description: '(-f) explain: a Pod manifest (YAML or JSON; "-": standard input).',
  },
  policy: {
    group: P,
    type: 'list',
    default: [],
    metavar: 'file,...',
    description:
      'audit: proposed policy ConfigMap manifests; each replaces the live ConfigMap of its name, or adds one.',
  },
  policyNamespace: {
    group: P,
    type: 'string',
    default: defaults.policyNamespace,
    metavar: 'name',
    description: "The webhook's namespace: policy ConfigMaps are read there.",
  },
  policyLabel: {
    group: P,
    type: 'string',
    default: defaults.policyLabel,
    metavar: 'key',
    description: 'Label (value "true") that marks a ConfigMap as access policy.',
  },
  physicalNetworkLabelPrefix: {
    group: P,
    type: 'string',
    default: defaults.mutation.physicalNetworkLabelPrefix,
    metavar: 'prefix',
    description:
      'Node label prefix the agent publishes physical networks under (<prefix><name>=true).',
  },
  resourceNameKeys: {
    group: P,
    type: 'list',
    default: defaults.mutation.resourceNameKeys,
    description: 'NAD annotation keys whose value names a device resource.',
  },
  pageSize: {
    group: C,
    type: 'integer',
    default: 500,
    minimum: 1,
    maximum: 5000,
    description: 'Objects per list request: long lists are read page by page, never whole.',
  },
  requestTimeoutMs: {
    group: C,
    type: 'integer',
    default: 30_000,
    minimum: 100,
    maximum: 600_000,
    description: 'Bound on each API request.',
  },
}

/** kubectl's short forms, expanded before the table's parser sees the arguments. */
export const KUBECTL_SHORT_FLAGS: Readonly<Record<string, keyof KubectlSettings>> = {
  n: 'namespace',
  A: 'allNamespaces',
  l: 'selector',
  o: 'output',
  f: 'filename',
}

/** The admission options the webhook runs with, as far as these settings say. */
export function admissionOptionsOf(s: KubectlSettings): AdmissionOptions {
  return Object.freeze({
    ...defaults,
    policyNamespace: s.policyNamespace,
    policyLabel: s.policyLabel,
    mutation: Object.freeze({
      ...defaults.mutation,
      physicalNetworkLabelPrefix: s.physicalNetworkLabelPrefix,
      resourceNameKeys: s.resourceNameKeys,
    }),
  })
}
