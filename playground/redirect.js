// The OAuth redirect target (redirect.html): hands Zoho's answer to the portal window that opened this
// popup, then closes. postMessage is restricted to our own origin, so no other site can read the code,
// and nothing is stored (the seed sample put the code in localStorage, where any script could find it).
'use strict';

(function handOver() {
  const params = new URLSearchParams(window.location.search);
  const message = {
    type: 'zoho-oauth',
    code: params.get('code'),
    state: params.get('state'),
    location: params.get('location'),
    accountsServer: params.get('accounts-server'),
    error: params.get('error'),
  };
  // The code is single-use and must not linger in the history or be sent on as a Referer.
  window.history.replaceState(null, '', window.location.pathname);

  const status = document.getElementById('redirect-status');
  if (window.opener && !window.opener.closed) {
    window.opener.postMessage(message, window.location.origin);
    status.textContent = message.error ? 'Sign-in cancelled. You can close this window.' : 'Signed in. This window closes by itself.';
    window.close();
  } else {
    // Opened directly, or the portal window is gone: there is no one to hand the code to.
    status.textContent = 'This sign-in window lost its connection to the portal. Go back to the portal and choose Sign in with Zoho again.';
    document.getElementById('redirect-back').hidden = false;
    document.querySelector('.spinner').hidden = true;
  }
})();
