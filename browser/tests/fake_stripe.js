// Served to the browser tests in place of https://js.stripe.com/v3/, which cannot load offline.
// It has only what templates/payments/buy.html uses, and behaves as Stripe.js does for a card that
// goes through: confirmPayment() sends the browser to return_url with redirect_status=succeeded.
// The test then delivers the signed webhook that Stripe would send.
(function () {
  const calls = (window.fakeStripeCalls = []);
  window.Stripe = function (publishableKey, options) {
    calls.push(["Stripe", publishableKey, options]);
    return {
      elements(elementOptions) {
        calls.push(["elements", elementOptions]);
        return {
          create(kind) {
            const handlers = {};
            return {
              on(event, handler) { handlers[event] = handler; },
              mount(selector) {
                const box = document.querySelector(selector);
                const card = document.createElement("p");
                card.className = "fake-card";
                card.textContent = "4242 4242 4242 4242 · 12/34 · 123";
                card.style.cssText = "border: 1px solid #8a8176; border-radius: 4px; padding: .6rem; background: #fff; color: #1f1b16;";
                box.replaceChildren(card);
                calls.push(["mount", kind, selector]);
                setTimeout(() => handlers.ready && handlers.ready(), 0);
              },
            };
          },
          update(changes) { calls.push(["update", changes]); },
          submit() { return Promise.resolve({}); },
        };
      },
      confirmPayment({clientSecret, confirmParams}) {
        calls.push(["confirmPayment", clientSecret]);
        const intent = clientSecret.split("_secret_")[0];
        const query = new URLSearchParams({payment_intent: intent, payment_intent_client_secret: clientSecret, redirect_status: "succeeded"});
        window.location.assign(`${confirmParams.return_url}?${query}`);
        return new Promise(() => {});  // the page is leaving
      },
    };
  };
})();
