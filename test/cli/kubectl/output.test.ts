import t from 'tap'
import { printView, viewOutput } from '../../../src/cli/kubectl/output.js'
import { captureIo } from '../../fixtures/cli/io.js'

const view = {
  kind: 'ThingList',
  columns: [{ header: 'NAME', value: (r: { name: string }) => r.name }],
  record: (r: { name: string }) => ({ thing: r.name }),
  empty: 'No things found.',
}

t.test('tables, json, yaml; an empty table is a sentence on stderr', async (t) => {
  const run = (rows: { name: string }[], output?: string) => {
    const io = captureIo()
    printView(io.io, rows, view, output, false)
    return [io.stdout(), io.stderr()]
  }
  t.same(run([{ name: 'a' }]), ['NAME\na\n', ''])
  t.same(run([]), ['', 'No things found.\n'])
  t.same(JSON.parse(run([{ name: 'a' }], 'json')[0] as string), {
    apiVersion: 'multinet.io/v1alpha1',
    kind: 'ThingList',
    items: [{ thing: 'a' }],
  })
  t.equal(run([], 'yaml')[0], 'apiVersion: multinet.io/v1alpha1\nkind: ThingList\nitems: []\n')
  t.equal(viewOutput('wide'), 'wide')
  t.equal(viewOutput(undefined), undefined)
  t.throws(() => viewOutput('text'), { code: 'MN_ERR_USAGE' })
})
