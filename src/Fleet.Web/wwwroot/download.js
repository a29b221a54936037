// Saves a file the server streamed to the browser (exports).
window.fleetDownload = async (fileName, streamRef) => {
  const buffer = await streamRef.arrayBuffer();
  const url = URL.createObjectURL(new Blob([buffer]));
  const a = document.createElement('a');
  a.href = url; a.download = fileName ?? 'export.csv';
  document.body.appendChild(a); a.click(); a.remove();
  URL.revokeObjectURL(url);
};
