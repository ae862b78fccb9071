// A stand-in for the official UI's bundle: the tests only check that it is served from the folder.
document.getElementById('jaeger-ui-root').textContent = 'official ui fixture';
