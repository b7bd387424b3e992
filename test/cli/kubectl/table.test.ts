import t from 'tap'
import { joined, renderTable, type Column } from '../../../src/cli/kubectl/table.js'

interface Row {
  name: string
  ips: string[]
  note: string
}
const columns: Column<Row>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'IPS', value: (r) => joined(r.ips) },
  { header: 'NOTE', value: (r) => r.note, wide: true },
]
const rows: Row[] = [
  { name: 'web-1', ips: ['10.0.0.1', '10.0.0.2'], note: 'two\nlines' },
  { name: 'a-much-longer-name', ips: [], note: '' },
]

t.test('columns padded to the widest cell, three spaces apart, last one unpadded', async (t) => {
  t.equal(
    renderTable(rows, columns, { wide: false, noHeaders: false }),
    'NAME                 IPS\n' +
      'web-1                10.0.0.1,10.0.0.2\n' +
      'a-much-longer-name   <none>\n',
  )
})

t.test('-o wide adds the wide columns; newlines inside a cell become spaces', async (t) => {
  t.equal(
    renderTable(rows, columns, { wide: true, noHeaders: false }),
    'NAME                 IPS                 NOTE\n' +
      'web-1                10.0.0.1,10.0.0.2   two lines\n' +
      'a-much-longer-name   <none>              <none>\n',
  )
})

t.test('--no-headers drops the header and sizes columns by the rows alone', async (t) => {
  t.equal(
    renderTable([rows[0] as Row], columns, { wide: false, noHeaders: true }),
    'web-1   10.0.0.1,10.0.0.2\n',
  )
  t.equal(renderTable([], columns, { wide: false, noHeaders: true }), '')
  t.equal(renderTable([], columns, { wide: false, noHeaders: false }), 'NAME   IPS\n')
})
