import t from 'tap'
import { AgentMetrics } from '../../src/agent/metrics.js'

t.test(
  'every agent metric on its own registry, read at scrape time where it is state',
  async (t) => {
    let queue = { active: 2, queued: 5 }
    const m = new AgentMetrics({
      queue: () => queue,
      podCache: () => ({
        synced: false,
        size: 3,
        counters: { reconnects: 0, relists: 0, failures: 4, staleSeconds: 1.5 },
      }),
      defaultMetrics: true,
    })
    const done = m.operationStarted('ADD')
    t.match(await m.registry.metrics(), /multinet_agent_cni_requests_in_flight 1/)
    done(true)
    m.operationStarted('DEL')(false)
    m.attached('ns/a', 0.2, true)
    m.attached('ns/a', 0.3, false)
    m.detached('ns/a', 0.1, false)
    m.detached('ns/a', 0.1, true)
    m.corruptPlan()
    m.statusWritten('ok')
    m.statusWritten('pod-gone')
    m.physicalNetwork('phy', true)
    m.physicalNetworkProblem('phy')
    queue = { active: 0, queued: 1 }
    const text = await m.registry.metrics()
    for (const line of [
      'multinet_agent_cni_operations_total{command="ADD",outcome="ok"} 1',
      'multinet_agent_cni_operations_total{command="DEL",outcome="error"} 1',
      'multinet_agent_cni_requests_in_flight 0',
      'multinet_agent_attach_duration_seconds_count{network="ns/a"} 2',
      'multinet_agent_attach_failures_total{network="ns/a"} 1',
      'multinet_agent_detach_duration_seconds_count{network="ns/a"} 2',
      'multinet_agent_detach_failures_total{network="ns/a"} 1',
      'multinet_agent_plan_corrupt_total 1',
      'multinet_agent_network_status_writes_total{outcome="ok"} 1',
      'multinet_agent_network_status_writes_total{outcome="pod-gone"} 1',
      'multinet_agent_physical_network_present{network="phy"} 1',
      'multinet_agent_physical_network_problems_total{network="phy"} 1',
      'multinet_agent_queue_length 1',
      'multinet_agent_operations_running 0',
      'multinet_agent_pod_cache_synced 0',
      'multinet_agent_pod_cache_pods 3',
      'multinet_agent_pod_cache_stale_seconds 1.5',
      'multinet_agent_pod_cache_failures 4',
    ]) {
      t.ok(text.includes(line), line)
    }
    t.match(text, /process_resident_memory_bytes/)
    t.notMatch(await new AgentMetrics().registry.metrics(), /multinet_agent_queue_length|process_/)
  },
)
