// Advice before sending (orders/advice.py): once a photo is chosen, say under it when it is smaller
// than the chosen style paints at, or very dark. Only a warning: the form is sent all the same.
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
  var photo = null; // { width, height, meanLuma } of the chosen photo, once the browser decoded it
  // Enough pixels for a mean, few enough to add them up at once on a phone.
  var SAMPLE_SIDE = 128;

  // The rule, on its own so that the browser tests can try its edges.
  function warnings(measured, largestPass, darkBelow) {
    var found = [];
    var longest = Math.max(measured.width, measured.height);
    if (largestPass && longest < largestPass) {
      found.push(texts.small.replace("WIDTH", measured.width).replace("HEIGHT", measured.height).replace("SIZE", largestPass));
    }
    if (measured.meanLuma < darkBelow) found.push(texts.dark);
    return found;
  }

  // Mean luma as Pillow's convert("L") weighs the channels (ITU-R 601), of the photo drawn small.
  function meanLuma(image) {
    var scale = Math.min(1, SAMPLE_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
    var context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    var pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    var sum = 0;
    for (var i = 0; i < pixels.length; i += 4) sum += 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    return sum / (pixels.length / 4);
  }

  function styleLargestPass() {
    var checked = form.querySelector('input[name="style"]:checked');
    return checked ? limits.largestPass[checked.value] : undefined;
  }

  function show() {
    var found = photo ? warnings(photo, styleLargestPass(), limits.darkBelow) : [];
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
