'use strict';
// The saga console: plain DOM and fetch against the order service's API (the inventory's admin calls go through
// /admin/inventory/...). No library, no network access beyond this service.
const $ = (id) => document.getElementById(id);
let watched = null;
let watchTimer = null;

function token() { return $('token').value.trim(); }

function say(text, isError) {
  $('message').textContent = text;
  $('message').className = isError ? 'error' : '';
}

async function call(method, path, body, admin) {
  const headers = {};
  if (admin) { headers['Authorization'] = 'Bearer ' + token(); }
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) { throw new Error(json.error || ('HTTP ' + response.status)); }
  return json;
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (cls) { td.className = cls; }
  row.appendChild(td);
  return td;
}

function button(row, label, cls, action) {
  const td = document.createElement('td');
  const b = document.createElement('button');
  b.textContent = label;
  b.className = cls;
  b.addEventListener('click', action);
  td.appendChild(b);
  row.appendChild(td);
  return b;
}

function fill(tableId, items, render) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren();
  items.forEach((item) => { const tr = document.createElement('tr'); render(tr, item); body.appendChild(tr); });
}

async function place() {
  try {
    const answer = await call('POST', '/orders', {
      customerId: $('customer').value.trim(),
      lines: [{ sku: $('sku').value.trim(), quantity: Number($('quantity').value) }]
    });
    $('placed-id').textContent = answer.orderId;
    say('Order ' + answer.orderId + ' placed');
    watch(answer.orderId);
  } catch (e) { say('Placing the order failed: ' + e.message, true); }
}

function watch(orderId) {
  watched = orderId;
  $('saga-id').value = orderId;
  if (watchTimer) { clearInterval(watchTimer); }
  showSaga();
  watchTimer = setInterval(showSaga, 1000);
}

async function showSaga() {
  if (!watched) { return; }
  try {
    const status = await call('GET', '/saga/status?order_id=' + encodeURIComponent(watched));
    const chain = status.wholeChain || {};
    $('saga-order-status').textContent = status.orderStatus;
    $('saga-order-status').className = 'status s-' + status.orderStatus;
    $('saga-state').textContent = status.state;
    $('saga-waiting').textContent = chain.waitingOn || '';
    fill('steps', chain.steps || [], (tr, s) => {
      cell(tr, s.service); cell(tr, s.step); cell(tr, s.status, 'status s-' + s.status); cell(tr, s.attempts);
      cell(tr, s.deadlineAt); cell(tr, s.lastError);
    });
    fill('events', chain.events || [], (tr, e) => {
      cell(tr, e.type); cell(tr, e.eventId, 'mono');
      cell(tr, e.publishedBy); cell(tr, e.causationId); cell(tr, e.committedAt); cell(tr, e.relayedAt);
      cell(tr, e.topic + (e.partition === null || e.partition === undefined ? '' : '/' + e.partition + '/' + e.offset));
      cell(tr, (e.processedBy || []).map((p) => p.service + ' at ' + p.at).join(', '));
    });
    const inventory = chain.inventory || {};
    fill('reservations', inventory.reservations || [], (tr, r) => {
      cell(tr, r.sku); cell(tr, r.quantity); cell(tr, r.status, 'status s-' + r.status); cell(tr, r.updatedAt);
    });
    if (inventory.error) { say('Inventory: ' + inventory.error, true); }
  } catch (e) { say('Status of ' + watched + ': ' + e.message, true); }
}

async function act(service, sagaId, action) {
  const path = service === 'inventory' ? '/admin/inventory/saga/' + sagaId + '/' + action
                                       : '/saga/' + sagaId + '/' + action;
  try {
    const answer = await call('POST', path, undefined, true);
    say(service + ' ' + action + ' of ' + sagaId + ': ' + answer.action);
    watch(sagaId);
    listSagas();
  } catch (e) { say(action + ' failed: ' + e.message, true); }
}

function sagaQuery() {
  const params = new URLSearchParams();
  const status = $('filter-status').value;
  if (status) { params.set('status', status); params.set('stuck', 'false'); } else { params.set('stuck', 'true'); }
  if ($('filter-step').value.trim()) { params.set('step', $('filter-step').value.trim()); }
  if ($('filter-age').value.trim()) { params.set('older_than', $('filter-age').value.trim()); }
  return '?' + params.toString();
}

async function listSagas() {
  try {
    const query = sagaQuery();
    const [own, inventory] = await Promise.all([
      call('GET', '/admin/sagas' + query, undefined, true),
      call('GET', '/admin/inventory/sagas' + query, undefined, true).catch((e) => ({ steps: [], error: e.message }))
    ]);
    const rows = own.steps.map((s) => ({ service: 'order', s }))
      .concat(inventory.steps.map((s) => ({ service: 'inventory', s })));
    fill('sagas', rows, (tr, { service, s }) => {
      tr.dataset.saga = s.sagaId;
      cell(tr, service);
      const link = document.createElement('a');
      link.href = '#';
      link.textContent = s.sagaId;
      link.addEventListener('click', (ev) => { ev.preventDefault(); watch(s.sagaId); });
      cell(tr, '').appendChild(link);
      cell(tr, s.step); cell(tr, s.status, 'status s-' + s.status); cell(tr, s.attempts); cell(tr, s.deadlineAt);
      cell(tr, s.lastError);
      const td = document.createElement('td');
      for (const action of ['retry', 'compensate']) {
        const b = document.createElement('button');
        b.textContent = action === 'retry' ? 'Retry' : 'Compensate';
        b.className = action;
        b.addEventListener('click', () => act(service, s.sagaId, action));
        td.appendChild(b);
      }
      tr.appendChild(td);
    });
    say(rows.length + ' saga step(s) listed' + (inventory.error ? ' (inventory: ' + inventory.error + ')' : ''),
        !!inventory.error);
  } catch (e) { say('Listing sagas failed: ' + e.message, true); }
}

async function listDeadLetters() {
  try {
    const [own, inventory] = await Promise.all([
      call('GET', '/admin/dead-letters', undefined, true),
      call('GET', '/admin/inventory/dead-letters', undefined, true).catch((e) => ({ deadLetters: [], error: e.message }))
    ]);
    const rows = own.deadLetters.map((d) => ({ service: 'order', d }))
      .concat(inventory.deadLetters.map((d) => ({ service: 'inventory', d })));
    fill('dead-letters', rows, (tr, { service, d }) => {
      tr.dataset.eventId = d.eventId || '';
      cell(tr, service); cell(tr, d.topic + '/' + d.partition + '/' + d.offset); cell(tr, d.kind); cell(tr, d.type);
      cell(tr, d.eventId); cell(tr, d.key); cell(tr, d.reason);
      button(tr, 'Replay', 'replay', () => replay(service, d));
    });
    $('gauges').textContent = rows.length + ' dead letter(s)';
  } catch (e) { say('Listing dead letters failed: ' + e.message, true); }
}

async function replay(service, d) {
  const path = service === 'inventory' ? '/admin/inventory/dead-letters/replay' : '/admin/dead-letters/replay';
  try {
    const answer = await call('POST', path, { topic: d.topic, partition: d.partition, offset: d.offset }, true);
    say('Replayed event ' + answer.eventId + ' through the ' + service + ' outbox');
  } catch (e) { say('Replay failed: ' + e.message, true); }
}

$('token').value = sessionStorage.getItem('saga-console-token') || '';
$('token').addEventListener('change', () => sessionStorage.setItem('saga-console-token', token()));
$('place').addEventListener('click', place);
$('placed-id').addEventListener('click', (ev) => { ev.preventDefault(); if (watched) { watch(watched); } });
$('load-saga').addEventListener('click', () => watch($('saga-id').value.trim()));
$('saga-retry').addEventListener('click', () => act('order', $('saga-id').value.trim(), 'retry'));
$('saga-compensate').addEventListener('click', () => act('order', $('saga-id').value.trim(), 'compensate'));
$('list-sagas').addEventListener('click', listSagas);
$('list-dead-letters').addEventListener('click', listDeadLetters);
