// Drag-and-drop onto the page: a case pack folder (read with webkitGetAsEntry: manifest.json,
// cases, transcripts, images) opens as an in-memory pack; a transcripts .jsonl/.json file is
// imported; a PNG or JPEG image is attached to a live session's next message. Files are handed to
// the app through the hooks the wasm platform installs (window.imcOpenDroppedPack,
// window.imcDropFile); drops before the app is ready wait for it.
'use strict';
(function () {
  const hint = document.getElementById('drop-hint');
  const pending = [];
  let ready = false;
  window.imcOnAppReady = () => {
    ready = true;
    while (pending.length) pending.shift()();
  };
  const whenReady = (fn) => (ready ? fn() : pending.push(fn));

  function showMessage(text) {
    if (!hint) return;
    hint.textContent = text;
    hint.hidden = false;
    setTimeout(() => { hint.hidden = true; }, 4000);
  }

  // Every file under a directory entry, as {path, file}; paths use '/' and start below `entry`.
  async function filesFromEntries(entries, prefix = '') {
    const out = [];
    for (const entry of entries) {
      if (entry.isFile) {
        const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
        out.push({ path: prefix + entry.name, file });
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        const children = [];
        // readEntries returns the directory in batches until an empty one.
        for (;;) {
          const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
          if (!batch.length) break;
          children.push(...batch);
        }
        out.push(...await filesFromEntries(children, prefix + entry.name + '/'));
      }
    }
    return out;
  }

  // The pack inside a list of {path, file}: the folder holding the shallowest manifest.json.
  // Returns {name, files: Map(pack-relative path -> File)} or null.
  function packFromFiles(list) {
    const manifests = list.filter((f) => f.path === 'manifest.json' || f.path.endsWith('/manifest.json'));
    if (!manifests.length) return null;
    manifests.sort((a, b) => a.path.split('/').length - b.path.split('/').length);
    const root = manifests[0].path.slice(0, -'manifest.json'.length);
    const files = new Map();
    for (const f of list) {
      if (f.path.startsWith(root)) files.set(f.path.slice(root.length), f.file);
    }
    const name = root.replace(/\/$/, '').split('/').pop() || 'pack';
    return { name, files };
  }

  async function handleDrop(dataTransfer) {
    const items = Array.from(dataTransfer.items || []);
    const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null)).filter(Boolean);
    if (entries.some((e) => e.isDirectory)) {
      const pack = packFromFiles(await filesFromEntries(entries));
      if (!pack) {
        showMessage('No manifest.json in the dropped folder: drop a case pack folder (docs/FORMATS.md).');
        return;
      }
      whenReady(() => window.imcOpenDroppedPack(pack.name, pack.files));
      return;
    }
    for (const file of Array.from(dataTransfer.files || [])) whenReady(() => window.imcDropFile(file));
  }

  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (hint) {
      hint.textContent = 'Drop a case pack folder, a transcripts .jsonl, or an image';
      hint.hidden = false;
    }
  });
  window.addEventListener('dragleave', () => { if (hint) hint.hidden = true; });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    if (hint) hint.hidden = true;
    handleDrop(e.dataTransfer).catch((err) => showMessage('Could not read the dropped files: ' + err));
  });

  // For tests: the folder walk and pack detection, and the drop handler itself.
  window.imcDrop = { filesFromEntries, packFromFiles, handleDrop };
})();
