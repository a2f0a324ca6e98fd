// corti-auth callback page (callback.html): hands the OAuth callback in this page's URL to the tab that
// started the login, which checks state and exchanges the code (this page needs no wasm). Delivery:
// window.opener (a popup) or window.parent (restore()'s hidden iframe), always with this page's own
// origin as the exact target origin, and the same-origin BroadcastChannel "corti-auth:callback" for a
// popup whose opener a provider's Cross-Origin-Opener-Policy severed. The code and state leave the
// address bar (and history) first.
(function () {
  "use strict";
  var url = location.href;
  try { history.replaceState(null, "", location.pathname); } catch (e) { /* sandboxed */ }
  var msg = { type: "corti-auth:callback", url: url };
  var origin = location.origin;
  var framed = window.parent !== window;
  try { if (window.opener && window.opener !== window) window.opener.postMessage(msg, origin); } catch (e) { /* gone */ }
  try { if (framed) window.parent.postMessage(msg, origin); } catch (e) { /* gone */ }
  try { var bc = new BroadcastChannel("corti-auth:callback"); bc.postMessage(msg); bc.close(); } catch (e) { /* none */ }
  if (!framed) window.close(); // a popup closes itself; a page the user opened stays, with its text
})();
