// Draws one snapshot of /api/v1/dashboard: the fleet's summary, a line per node, and for each opened
// node its devices from /api/v1/dashboard/nodes/<node>. Every value from the server goes into the page
// as text, never as markup: tenant names and audit details are the callers' words.

const VENDORS = {
  '0x10de': 'NVIDIA',
  '0x1002': 'AMD',
  '0x8086': 'Intel',
  '0x15b3': 'Mellanox',
  '0x14e4': 'Broadcom',
  '0x144d': 'Samsung',
  '0x1af4': 'Virtio',
  '0x1d0f': 'Amazon',
};

// Keyed by PCI base class and subclass, the first four digits of the class code.
// Short names, so that a device's name and PCI id fit on one line of its tile.
const CLASSES = {
  '0106': 'SATA',
  '0108': 'NVMe',
  '0200': 'Ethernet',
  '0207': 'InfiniBand',
  '0300': 'VGA',
  '0302': '3D controller',
  '0403': 'Audio',
  '0604': 'PCI bridge',
  '0c03': 'USB',
  '1200': 'Accelerator',
};

const DEVICE_STATES = {
  FREE: { label: 'Free', css: 'state-free' },
  HELD: { label: 'Held', css: 'state-held' },
  RESETTING: { label: 'Resetting', css: 'state-resetting' },
  UNREACHABLE: { label: 'Unreachable', css: 'state-unreachable' },
  HOST: { label: 'Host driver', css: 'state-host' },
  NOT_ASSIGNABLE: { label: 'Group not viable', css: 'state-not-assignable' },
};

// The states of devices no assignment can ever open, whoever asks.
const NEVER_ASSIGNABLE = ['HOST', 'NOT_ASSIGNABLE'];

const ASSIGNMENT_STATES = {
  REQUESTED: 'state-pending',
  PREPARING: 'state-pending',
  ACTIVE: 'state-held',
  RELEASING: 'state-resetting',
  RESETTING: 'state-resetting',
  RELEASED: 'state-done',
  FAILED: 'state-failed',
};

const EVENT_KINDS = {
  ASSIGNMENT_STATE: 'Assignment',
  RESET_STARTED: 'Reset started',
  RESET_FINISHED: 'Reset finished',
  TENANT_POLICY: 'Tenant policy',
  RECONCILE_REPAIR: 'Reconcile repair',
  DEVICE_SCRUBBED: 'Device scrubbed',
};

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'class') {
      node.className = value;
    } else if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(child);
    }
  }
  return node;
}

function pill(text, css) {
  return element('span', { class: `pill ${css}` }, text);
}

function code(text, title) {
  return element('code', { title }, text);
}

function shortId(id) {
  return id ? id.slice(0, 8) : '';
}

function clockTime(instant) {
  return instant ? new Date(instant).toLocaleTimeString([], { hour12: false }) : '';
}

function dateTime(instant) {
  if (!instant) {
    return '';
  }
  const when = new Date(instant);
  return `${when.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${clockTime(instant)}`;
}

function deviceName(device) {
  const vendor = VENDORS[device.vendorId] ?? `Vendor ${device.vendorId}`;
  const kind = CLASSES[device.classCode.slice(2, 6)] ?? `class ${device.classCode}`;
  return `${vendor} ${kind}`;
}

function pciId(device) {
  return `${device.vendorId.slice(2)}:${device.deviceId.slice(2)}`;
}

// Reset sets in the order of their first function, each with its IOMMU groups in the same order.
// A group is not always inside one reset set, so each group also says which other sets it reaches.
function layout(devices) {
  const sets = new Map();
  const setsOfGroup = new Map();
  for (const device of devices) {
    if (!sets.has(device.resetSet)) {
      sets.set(device.resetSet, new Map());
    }
    const groups = sets.get(device.resetSet);
    if (!groups.has(device.iommuGroup)) {
      groups.set(device.iommuGroup, []);
    }
    groups.get(device.iommuGroup).push(device);
    if (!setsOfGroup.has(device.iommuGroup)) {
      setsOfGroup.set(device.iommuGroup, new Set());
    }
    setsOfGroup.get(device.iommuGroup).add(device.resetSet);
  }
  return { sets, setsOfGroup };
}

function owner(device) {
  if (device.tenant) {
    return element('p', { class: 'owner' },
      element('span', { class: 'owner-label' }, 'Tenant '),
      element('strong', {}, device.tenant),
      device.assignmentState ? element('span', { class: 'muted' }, ` · ${device.assignmentState.toLowerCase()}`) : null);
  }
  if (device.assignmentId) {
    return element('p', { class: 'owner muted' }, 'Fenced by reset of ', code(shortId(device.assignmentId), device.assignmentId));
  }
  if (device.state === 'HOST') {
    return element('p', { class: 'owner muted' }, 'Kept by a host driver');
  }
  if (device.state === 'NOT_ASSIGNABLE') {
    return element('p', { class: 'owner muted' }, 'Group has a host-driven member');
  }
  return element('p', { class: 'owner muted' }, 'No owner');
}

function deviceTile(device) {
  const state = DEVICE_STATES[device.state] ?? { label: device.state, css: '' };
  const notes = [];
  if (device.unsafe) {
    notes.push(pill('Unsafe · noiommu', 'unsafe'));
  }
  if (device.scrubPendingFrom) {
    notes.push(pill(`Scrub pending · ${device.scrubPendingFrom}`, 'scrub'));
  }
  // The reason is the tile's tooltip, so it shows wherever on the tile, badge included, the pointer rests.
  return element('li', {
    class: `device ${state.css}${device.unsafe ? ' is-unsafe' : ''}`,
    title: device.stateReason,
    dataset: { bdf: device.bdf, state: device.state },
  },
  element('div', { class: 'device-top' }, element('span', { class: 'bdf' }, device.bdf), pill(state.label, state.css)),
  element('p', { class: 'device-name' }, deviceName(device), ' ', element('span', { class: 'pci-id' }, pciId(device))),
  owner(device),
  notes.length ? element('p', { class: 'notes' }, notes) : null);
}

function nodeCard(node) {
  const counts = { FREE: 0, HELD: 0, RESETTING: 0 };
  node.devices.forEach((device) => { counts[device.state] = (counts[device.state] ?? 0) + 1; });
  const never = node.devices.filter((device) => NEVER_ASSIGNABLE.includes(device.state)).length;
  const { sets, setsOfGroup } = layout(node.devices);
  const titleId = `node-${node.node}`;
  const setBoxes = [...sets].map(([resetSet, groups]) => element('section', {
    class: 'reset-set', 'aria-label': `Reset set ${resetSet}`,
  },
  element('p', { class: 'box-label' }, 'Reset set ', code(resetSet)),
  element('div', { class: 'groups' }, [...groups].map(([group, devices]) => {
    const elsewhere = [...setsOfGroup.get(group)].filter((other) => other !== resetSet);
    return element('div', { class: 'group', role: 'group', 'aria-label': `IOMMU group ${group}` },
      element('p', { class: 'box-label' }, `IOMMU group ${group}`,
        elsewhere.length ? element('span', { class: 'muted' }, ` · also in ${elsewhere.join(', ')}`) : null),
      element('ul', { class: 'devices' }, devices.map(deviceTile)));
  }))));
  return element('article', { class: `node${node.live ? '' : ' is-down'}`, 'aria-labelledby': titleId, dataset: { node: node.node } },
    element('header', { class: 'node-head' },
      element('h3', { id: titleId }, node.node),
      node.live ? pill('Agent live', 'state-free') : pill('Agent unreachable', 'state-unreachable'),
      node.noiommuEnabled ? pill('noiommu enabled', 'unsafe') : null,
      element('p', { class: 'node-counts' },
        `${node.devices.length} devices · ${counts.FREE} free · ${counts.HELD} held · ${counts.RESETTING} resetting`
        + (never ? ` · ${never} never assignable` : ''))),
    node.devices.length
      ? element('div', { class: 'reset-sets' }, setBoxes)
      : element('p', { class: 'empty' }, 'No devices reported.'));
}

function summary(snapshot) {
  const fleet = snapshot.summary;
  const devices = Object.values(fleet.devices).reduce((sum, count) => sum + count, 0);
  const entries = [
    ['Nodes live', `${fleet.liveNodes} / ${fleet.nodes}`, 'live'],
    ['Devices', devices, ''],
    ['Free', fleet.devices.FREE, 'state-free'],
    ['Held', fleet.devices.HELD, 'state-held'],
    ['Resetting', fleet.devices.RESETTING, 'state-resetting'],
    ['Unreachable', fleet.devices.UNREACHABLE, 'state-unreachable'],
    ['Never assignable', fleet.devices.HOST + fleet.devices.NOT_ASSIGNABLE, 'state-host'],
    ['Assignments active', fleet.assignments.ACTIVE, 'state-held'],
    ['Preparing', fleet.assignments.PREPARING + fleet.assignments.REQUESTED, 'state-pending'],
    ['Inventory revision', snapshot.inventoryRevision, ''],
  ];
  return entries.map(([term, value, css]) => element('div', { class: `metric ${css}` },
    element('dt', {}, term), element('dd', {}, String(value))));
}

// One line of the node table, and below it, when the node is opened, its devices (or a wait for them).
function nodeRows(line, detail, isOpen) {
  const counts = ['FREE', 'HELD', 'RESETTING', 'UNREACHABLE', 'HOST', 'NOT_ASSIGNABLE']
    .filter((state) => line.byState[state])
    .map((state) => pill(`${line.byState[state]} ${DEVICE_STATES[state].label.toLowerCase()}`, DEVICE_STATES[state].css));
  const detailsId = `devices-of-${line.node}`;
  const row = element('tr', { class: line.live ? '' : 'is-down', dataset: { nodeRow: line.node } },
    element('th', { scope: 'row', class: 'node-name' }, line.node),
    element('td', {}, line.live ? pill('Live', 'state-free') : pill('Unreachable', 'state-unreachable'),
      line.noiommuEnabled ? pill('noiommu', 'unsafe') : null),
    element('td', {}, element('span', { class: 'node-total' }, `${line.devices} · `), counts),
    element('td', { class: 'tenant' }, line.tenants.length ? line.tenants.join(', ') : element('span', { class: 'muted' }, '—')),
    element('td', {}, element('button', {
      type: 'button', class: 'quiet', 'aria-expanded': isOpen ? 'true' : 'false', 'aria-controls': detailsId,
      dataset: { toggleNode: line.node },
    }, isOpen ? 'Hide devices' : 'Devices')));
  if (!isOpen) {
    return [row];
  }
  return [row, element('tr', { id: detailsId, class: 'node-details' },
    element('td', { colspan: 5 }, detail ? nodeCard(detail) : element('p', { class: 'muted' }, 'Loading the devices…')))];
}

function assignmentRow(assignment) {
  return element('tr', { dataset: { assignment: assignment.id } },
    element('td', {}, code(shortId(assignment.id), assignment.id)),
    element('td', { class: 'tenant' }, assignment.tenant),
    element('td', {}, assignment.node),
    element('td', {}, bdfList(assignment.devices)),
    element('td', {},
      pill(assignment.state, ASSIGNMENT_STATES[assignment.state] ?? ''),
      assignment.withKvm ? pill('KVM', 'kvm') : null,
      assignment.failureReason ? element('p', { class: 'failure' }, assignment.failureReason) : null),
    element('td', { class: 'when' }, element('time', { datetime: assignment.createdAt ?? '' }, dateTime(assignment.createdAt))));
}

function eventRow(event) {
  return element('tr', { dataset: { sequence: event.sequence } },
    element('td', { class: 'number' }, String(event.sequence)),
    element('td', { class: 'when' }, element('time', { datetime: event.at }, clockTime(event.at))),
    element('td', {},
      element('span', { class: 'event-kind' }, EVENT_KINDS[event.kind] ?? event.kind),
      ' ', element('span', { class: 'event-detail' }, event.detail),
      event.assignmentId
        ? element('span', { class: 'event-assignment' }, 'assignment ', code(shortId(event.assignmentId), event.assignmentId))
        : null),
    element('td', { class: 'tenant' }, event.tenant ?? '—'),
    element('td', {},
      event.node ? element('span', { class: 'event-node' }, event.node) : null,
      bdfList(event.devices)));
}

function bdfList(bdfs) {
  return element('ul', { class: 'bdfs' }, bdfs.map((bdf) => element('li', { class: 'bdf' }, bdf)));
}

function emptyRow(columns, text) {
  return element('tr', {}, element('td', { class: 'empty', colspan: columns }, text));
}

function latestCount(latest, noun) {
  return latest.total > latest.items.length
    ? `newest ${latest.items.length} of ${latest.total} ${noun}`
    : `${latest.total} ${noun}`;
}

export function renderSnapshot(snapshot, details, opened) {
  document.getElementById('summary').replaceChildren(...summary(snapshot));
  const lines = snapshot.nodes.items;
  document.getElementById('nodes').replaceChildren(...(lines.length
    ? lines.flatMap((line) => nodeRows(line, details.get(line.node), opened.has(line.node)))
    : [emptyRow(5, snapshot.summary.nodes ? 'No node matches the filters.' : 'No node has reported its topology yet.')]));
  document.getElementById('nodes-count').textContent = snapshot.nodes.total > lines.length
    ? `${lines.length} of ${snapshot.nodes.total} nodes`
    : `${snapshot.nodes.total} node${snapshot.nodes.total === 1 ? '' : 's'}`;
  document.querySelector('#assignments tbody').replaceChildren(...(snapshot.assignments.items.length
    ? snapshot.assignments.items.map(assignmentRow)
    : [emptyRow(6, 'No assignments yet.')]));
  document.getElementById('assignments-count').textContent = latestCount(snapshot.assignments, 'assignments');
  document.querySelector('#audit tbody').replaceChildren(...(snapshot.events.items.length
    ? snapshot.events.items.map(eventRow)
    : [emptyRow(5, 'No events yet.')]));
  document.getElementById('audit-count').textContent = latestCount(snapshot.events, 'events');
}

export function clearSnapshot() {
  document.getElementById('summary').replaceChildren();
  document.getElementById('nodes').replaceChildren();
  document.getElementById('nodes-count').textContent = '';
  document.querySelector('#assignments tbody').replaceChildren();
  document.querySelector('#audit tbody').replaceChildren();
  document.getElementById('assignments-count').textContent = '';
  document.getElementById('audit-count').textContent = '';
}
