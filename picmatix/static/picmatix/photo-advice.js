// Advice before sending (orders/advice.py): once a photo is chosen, say under it when it is smaller
// than the chosen style paints at, very dark, or when its face is small for the chosen style. Only a
// warning: the form is sent all the same. The face check sends a small grey copy of the photo to the
// shop, which answers with the largest face's width and keeps nothing; without an answer (no face
// found, the check unreachable) nothing is said.
// The limits come from the page's "photo-advice-limits" data, the texts translated from the
// template's data attributes (templates/orders/upload.html).
(function () {
  "use strict";
  var form = document.querySelector("form.order-form");
  var data = document.getElementById("photo-advice-limits");
  var box = document.getElementById("photo-warnings");
  var thumbnail = document.getElementById("photo-thumbnail");
  if (!form || !data || !box || !thumbnail || !window.JSON) return;
  var limits = JSON.parse(data.textContent);
  var input = form.querySelector('input[type="file"][name="photo"]');
  var texts = box.dataset;
  var photo = null; // { width, height, meanLuma, face } of the chosen photo, once the browser decoded it
  var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]');
  // Enough pixels for a mean, few enough to add them up at once on a phone.
  var SAMPLE_SIDE = 128;

  // The rule, on its own so that the browser tests can try its edges.
  // measured.face: the largest face's width as a share of the photo's long side, when one was found;
  // strokes have a size in pixels, so the face counts at the style's largest pass.
  function warnings(measured, largestPass, darkBelow, smallFaceBelow) {
    var found = [];
    var longest = Math.max(measured.width, measured.height);
    if (largestPass && longest < largestPass) {
      found.push(texts.small.replace("WIDTH", measured.width).replace("HEIGHT", measured.height).replace("SIZE", largestPass));
    }
    if (measured.meanLuma < darkBelow) found.push(texts.dark);
    if (measured.face && largestPass && measured.face * largestPass < smallFaceBelow) found.push(texts.face);
    return found;
  }

  // The copy the face check gets: grey, at most limits.faceCheckSide px on its long side.
  function greyCopy(image, done) {
    var copy = drawn(image, limits.faceCheckSide);
    var data = copy.pixels.data;
    for (var i = 0; i < data.length; i += 4) data[i] = data[i + 1] = data[i + 2] = luma(data, i);
    copy.context.putImageData(copy.pixels, 0, 0);
    copy.canvas.toBlob(done, "image/jpeg", 0.85);
  }

  function checkFace(measured) {
    if (!texts.check || !csrf || !window.fetch || !window.FormData) return;
    greyCopy(thumbnail, function (blob) {
      if (!blob || photo !== measured) return;
      var body = new FormData();
      body.append("photo", blob, "copy.jpg");
      fetch(texts.check, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf.value } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (answer && photo === measured) {
            measured.face = answer.face;
            show();
          }
        })
        .catch(function () {});
    });
  }

  // The photo drawn at most `side` px on its long side.
  function drawn(image, side) {
    var scale = Math.min(1, side / Math.max(image.naturalWidth, image.naturalHeight));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
    var context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return { canvas: canvas, context: context, pixels: context.getImageData(0, 0, canvas.width, canvas.height) };
  }

  // Luma as Pillow's convert("L") weighs the channels (ITU-R 601).
  function luma(data, i) {
    return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  }

  // Mean luma of the photo drawn small.
  function meanLuma(image) {
    var data = drawn(image, SAMPLE_SIDE).pixels.data;
    var sum = 0;
    for (var i = 0; i < data.length; i += 4) sum += luma(data, i);
    return sum / (data.length / 4);
  }

  function styleLargestPass() {
    var checked = form.querySelector('input[name="style"]:checked');
    return checked ? limits.largestPass[checked.value] : undefined;
  }

  function show() {
    var found = photo ? warnings(photo, styleLargestPass(), limits.darkBelow, limits.smallFaceBelow) : [];
    box.replaceChildren.apply(box, found.map(function (text) {
      var line = document.createElement("p");
      line.textContent = text;
      return line;
    }));
    box.hidden = found.length === 0;
  }

  // upload.js shows the chosen photo as a thumbnail: measured from it, the photo is decoded once.
  // A file the browser cannot draw (HEIC, often) gets no warning: nothing is known of it here.
  thumbnail.addEventListener("load", function () {
    if (!input.files.length || !/^blob:/.test(thumbnail.src)) return;
    try {
      photo = { width: thumbnail.naturalWidth, height: thumbnail.naturalHeight, meanLuma: meanLuma(thumbnail) };
    } catch (error) {
      photo = null;
    }
    show();
    if (photo) checkFace(photo);
  });
  input.addEventListener("change", function () {
    photo = null;
    show();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "style") show();
  });

  window.picmatixPhotoAdvice = { warnings: warnings, limits: limits };
})();
