/**
 * A synthetic cluster state of a given size, written as a state folder that `multinet webhook
 * --state-dir` serves: `nads` NetworkAttachmentDefinitions spread over namespaces, a policy of
 * `rules` rules, and the three networks the benchmark pod selects (an SR-IOV-style NAD with a
 * resourceName, a macvlan conflist on a physical network, a bridge in a global namespace).
 * The pod's networks are always allowed, so every scenario measures an admitted pod.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface StateSize {
  readonly nads: number
  readonly rules: number
}

export interface Reviews {
  /** AdmissionReview CREATE of a NAD (bridge conflist), for /validate. */
  readonly nad: string
  /** AdmissionReview CREATE of a pod with 3 networks, for /mutate and /validate. */
  readonly pod: string
}

const NAMESPACES = 50
const RULES_PER_CONFIGMAP = 200

function nadDoc(ns: string, name: string, config: object, annotations: object = {}): string {
  return [
    'apiVersion: k8s.cni.cncf.io/v1',
    'kind: NetworkAttachmentDefinition',
    `metadata: {name: ${name}, namespace: ${ns}, annotations: ${JSON.stringify(annotations)}}`,
    `spec: {config: ${JSON.stringify(JSON.stringify(config))}}`,
  ].join('\n')
}

function bridgeConfig(name: string, i: number): object {
  return {
    cniVersion: '1.0.0',
    name,
    plugins: [
      {
        type: 'bridge',
        bridge: `br${i % 1000}`,
        ipam: { type: 'host-local', subnet: `198.18.${i % 250}.0/24` },
      },
      { type: 'tuning', sysctl: { 'net.ipv4.conf.all.arp_filter': '1' } },
    ],
  }
}

/** Writes the folder and returns the request bodies that go with it. */
export async function writeState(dir: string, size: StateSize): Promise<Reviews> {
  await mkdir(dir, { recursive: true })
  const namespaces = ['default', 'telco', 'storage', 'multinet-system']
  for (let i = 0; i < NAMESPACES; i++) namespaces.push(`tenant-${i}`)
  await writeFile(
    join(dir, 'namespaces.yaml'),
    namespaces
      .map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}, labels: {team: ${n}}}`)
      .join('\n---\n'),
  )

  const docs = [
    nadDoc(
      'telco',
      'data-plane',
      { cniVersion: '1.0.0', name: 'data-plane', type: 'sriov', vlan: 100 },
      { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_netdevice' },
    ),
    nadDoc(
      'telco',
      'control-plane',
      {
        cniVersion: '1.0.0',
        name: 'control-plane',
        plugins: [
          {
            type: 'macvlan',
            master: 'eth1',
            mode: 'bridge',
            ipam: { type: 'host-local', subnet: '198.19.0.0/25' },
          },
        ],
      },
      { 'multinet.io/physical-network': 'physnet-ctl' },
    ),
    nadDoc('storage', 'storage-net', bridgeConfig('storage-net', 0)),
  ]
  for (let i = docs.length; i < size.nads; i++) {
    const ns = `tenant-${i % NAMESPACES}`
    docs.push(nadDoc(ns, `net-${i}`, bridgeConfig(`net-${i}`, i)))
  }
  await writeFile(join(dir, 'nads.yaml'), docs.join('\n---\n'))

  // Rules that name other tenants' networks (so they are indexed and must be skipped), and one
  // that reserves the pod's data plane to it: the decision has to find the right one among many.
  const rules: string[] = [
    [
      '      - name: data-plane-vnfs',
      '        action: allow',
      '        networks: {names: [telco/data-plane]}',
      '        from: {namespaces: {names: [telco]}, pods: {selector: {matchLabels: {app: vrouter}}}}',
    ].join('\n'),
  ]
  for (let i = 1; i < size.rules; i++) {
    const action = i % 10 === 0 ? 'deny' : 'allow'
    rules.push(
      [
        `      - name: rule-${i}`,
        `        action: ${action}`,
        `        networks: {names: [tenant-${i % NAMESPACES}/net-${1000 + i}]}`,
        `        from: {namespaces: {names: [tenant-${(i + 1) % NAMESPACES}]}}`,
      ].join('\n'),
    )
  }
  // A policy.yaml holds at most 64 KiB (MAX_POLICY_BYTES): big policies span ConfigMaps, which
  // merge in name order, as an administrator would split them.
  const configMaps: string[] = []
  for (let i = 0; i < rules.length; i += RULES_PER_CONFIGMAP) {
    configMaps.push(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        `  name: 10-bench-${String(i / RULES_PER_CONFIGMAP).padStart(3, '0')}`,
        '  namespace: multinet-system',
        "  labels: {multinet.io/policy: 'true'}",
        'data:',
        '  policy.yaml: |',
        '    apiVersion: multinet.io/v1alpha1',
        ...(i === 0 ? ['    globalNamespaces: [default, storage]'] : []),
        '    rules:',
        ...rules.slice(i, i + RULES_PER_CONFIGMAP),
      ].join('\n'),
    )
  }
  await writeFile(join(dir, 'policy.yaml'), configMaps.join('\n---\n') + '\n')
  return reviews()
}

function reviews(): Reviews {
  const review = (request: object): string =>
    JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request })
  const nad = review({
    uid: '5b0b6e4c-0000-4000-8000-000000000001',
    kind: { group: 'k8s.cni.cncf.io', version: 'v1', kind: 'NetworkAttachmentDefinition' },
    resource: {
      group: 'k8s.cni.cncf.io',
      version: 'v1',
      resource: 'network-attachment-definitions',
    },
    namespace: 'tenant-1',
    name: 'bench-new',
    operation: 'CREATE',
    userInfo: { username: 'alice', groups: ['system:authenticated'] },
    object: {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'bench-new', namespace: 'tenant-1' },
      spec: { config: JSON.stringify(bridgeConfig('bench-new', 7)) },
    },
  })
  const pod = review({
    uid: '5b0b6e4c-0000-4000-8000-000000000002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'telco',
    operation: 'CREATE',
    userInfo: {
      username: 'system:serviceaccount:telco:deployer',
      groups: ['system:authenticated'],
    },
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: 'vrouter-',
        namespace: 'telco',
        labels: { app: 'vrouter' },
        annotations: {
          'k8s.v1.cni.cncf.io/networks': 'data-plane@data0,control-plane@ctl0,storage/storage-net',
        },
      },
      spec: {
        serviceAccountName: 'default',
        containers: [
          {
            name: 'vrouter',
            image: 'registry.example/vrouter:2.3',
            resources: { requests: { cpu: '1', memory: '1Gi' } },
          },
          { name: 'sidecar', image: 'registry.example/sidecar:1.0' },
        ],
      },
    },
  })
  return { nad, pod }
}
