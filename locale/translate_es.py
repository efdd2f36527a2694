"""Spanish translations, kept as a table so `make makemessages` can be re-run without losing them.

Run after makemessages: `.venv/bin/python locale/translate_es.py` fills every msgstr it knows and
lists the msgids still missing (which then fail the test that checks the catalogue is complete).
"""

from __future__ import annotations

import sys
from pathlib import Path

ES: dict[str, str] = {
    # Staff tools (test renders, order care, dashboard) and the public gallery.
    "gallery": "galería",
    "Gallery": "Galería",
    "Customer agreed, not approved yet": "El cliente aceptó, aún sin aprobar",
    "Shown in the gallery": "Se muestra en la galería",
    "before and after": "antes y después",
    "photo thumbnail": "miniatura de la foto",
    "painting thumbnail": "miniatura del cuadro",
    "approved by": "aprobado por",
    "approved at": "aprobado el",
    "gallery entry": "obra de la galería",
    "gallery entries": "obras de la galería",
    "there is no finished painting": "no hay ningún cuadro terminado",
    "the customer did not agree to the gallery": "el cliente no aceptó aparecer en la galería",
    "the photo is no longer stored": "la foto ya no está guardada",
    "the customer withdrew their consent": "el cliente retiró su consentimiento",
    "Order #%(id)s: not done, %(reason)s.": "Pedido n.º %(id)s: no se hizo, %(reason)s.",
    "Are you sure?": "¿Seguro?",
    "Re-render (paint again with the style's current recipe)": "Volver a pintar (con la receta actual del estilo)",
    "Re-renders queued: %(count)d.": "Pinturas nuevas en cola: %(count)d.",
    "Re-send the preview email": "Reenviar el correo de la vista previa",
    "Preview emails queued: %(count)d.": "Correos de vista previa en cola: %(count)d.",
    "Refund through Stripe": "Reembolsar a través de Stripe",
    "Refund the full amount paid for these orders through Stripe? This cannot be undone.": (
        "¿Reembolsar a través de Stripe todo lo pagado por estos pedidos? No se puede deshacer."
    ),
    "Orders refunded: %(count)d.": "Pedidos reembolsados: %(count)d.",
    "Delete the customer's data (photo, paintings, email)": "Borrar los datos del cliente (foto, cuadros, correo)",
    "Delete the photo, the paintings, the gallery artwork and the email address of these orders? The orders, "
    "their payments and their event logs stay, anonymised. This cannot be undone.": (
        "¿Borrar la foto, los cuadros, la obra de la galería y la dirección de correo de estos pedidos? Los "
        "pedidos, sus pagos y su historial se quedan, anonimizados. No se puede deshacer."
    ),
    "Customer data deleted for %(count)d orders.": "Datos del cliente borrados en %(count)d pedidos.",
    "Approve for the public gallery": "Aprobar para la galería pública",
    "Artworks in the gallery: %(count)d.": "Obras en la galería: %(count)d.",
    "Remove from the public gallery": "Quitar de la galería pública",
    "Artworks removed from the gallery: %(count)d.": "Obras quitadas de la galería: %(count)d.",
    "Dashboard": "Panel",
    "customer data deleted": "datos del cliente borrados",
    "the customer's photo is no longer stored": "la foto del cliente ya no está guardada",
    "the order was refunded": "el pedido se reembolsó",
    "it is being painted right now": "se está pintando ahora mismo",
    "the customer's email was deleted": "el correo del cliente se borró",
    "there is no preview yet": "todavía no hay vista previa",
    "its data was already deleted": "sus datos ya se borraron",
    "payment %(id)s is %(status)s": "el pago %(id)s está en estado %(status)s",
    "payment %(id)s is already refunded": "el pago %(id)s ya está reembolsado",
    "no payment to refund": "no hay ningún pago que reembolsar",
    "Checked against the engine's recipe schema. Try it on the sample photos with a test render.": (
        "Se comprueba con el esquema de recetas del motor. Pruébala en las fotos de muestra con una pintura de prueba."
    ),
    "Activate (show to customers)": "Activar (mostrar a los clientes)",
    "Styles activated: %(count)d.": "Estilos activados: %(count)d.",
    "Deactivate (hide from customers)": "Desactivar (ocultar a los clientes)",
    "Styles deactivated: %(count)d.": "Estilos desactivados: %(count)d.",
    "test renders": "pinturas de prueba",
    "Test renders": "Pinturas de prueba",
    "test render": "pintura de prueba",
    "Try on the sample photos": "Probar en las fotos de muestra",
    "A photo that tests a style: a small face, a landscape, flowers.": (
        "Una foto que pone a prueba un estilo: una cara pequeña, un paisaje, flores."
    ),
    "size (longest side, px)": "tamaño (lado más largo, px)",
    "iterations": "iteraciones",
    "content weight": "peso del contenido",
    "style weight": "peso del estilo",
    "smoothness (tv weight)": "suavidad (peso tv)",
    "style scale": "escala del estilo",
    "Size of the brush strokes relative to the painting.": "Tamaño de las pinceladas respecto al cuadro.",
    "style layers": "capas de estilo",
    "content layers": "capas de contenido",
    "start from": "partir de",
    "optimizer": "optimizador",
    "learning rate (Adam)": "tasa de aprendizaje (Adam)",
    "L-BFGS history": "historial de L-BFGS",
    "random seed": "semilla aleatoria",
    "keep the photo's colours": "conservar los colores de la foto",
    "normalise gradients": "normalizar los gradientes",
    "style blend weights": "pesos de mezcla de estilos",
    "post-processing on": "retoque activado",
    "auto levels": "niveles automáticos",
    "black point (%)": "punto negro (%)",
    "white point (%)": "punto blanco (%)",
    "brightness (%)": "brillo (%)",
    "saturation (%)": "saturación (%)",
    "contrast (-100..100)": "contraste (-100..100)",
    "smoothing radius (0..5)": "radio de suavizado (0..5)",
    "smoothing tolerance": "tolerancia del suavizado",
    "watermark on the preview": "marca de agua en la vista previa",
    "text": "texto",
    "logo file (on the worker)": "archivo del logotipo (en el worker)",
    "opacity": "opacidad",
    "angle": "ángulo",
    "size": "tamaño",
    "upscale method": "método de ampliación",
    "denoise level (waifu2x)": "nivel de reducción de ruido (waifu2x)",
    "scale": "escala",
    "The advanced JSON is not valid JSON (%(error)s).": "El JSON avanzado no es JSON válido (%(error)s).",
    "label": "etiqueta",
    "e.g. A: more style": "p. ej., A: más estilo",
    "largest side (px)": "lado más largo (px)",
    "Every pass is scaled down in proportion so that the last one paints at most this size.": (
        "Cada pasada se reduce en proporción para que la última pinte como mucho a este tamaño."
    ),
    "title": "título",
    "used in test renders": "se usa en las pinturas de prueba",
    "sample photo": "foto de muestra",
    "sample photos": "fotos de muestra",
    "Sample photo": "Foto de muestra",
    "requested by": "pedida por",
    "This file is not an image we can read.": "Este archivo no es una imagen que podamos leer.",
    "Add a sample photo first (Styles › Sample photos).": (
        "Añade antes una foto de muestra (Estilos › Fotos de muestra)."
    ),
    "Post-processing": "Retoque",
    "Preview watermark": "Marca de agua de la vista previa",
    "Upscale of the HD image": "Ampliación de la imagen en alta resolución",
    "pass %(number)s · %(setting)s": "pasada %(number)s · %(setting)s",
    "Test render #%(id)s queued.": "Pintura de prueba n.º %(id)s en cola.",
    "Test renders: %(style)s": "Pinturas de prueba: %(style)s",
    "The style now uses the recipe of test render #%(id)s.": (
        "El estilo usa ahora la receta de la pintura de prueba n.º %(id)s."
    ),
    "Home": "Inicio",
    "Period": "Periodo",
    "last 7 days": "últimos 7 días",
    "last 14 days": "últimos 14 días",
    "last 30 days": "últimos 30 días",
    "last 90 days": "últimos 90 días",
    "Show": "Mostrar",
    "Render queue": "Cola de pintura",
    "queued": "en cola",
    "oldest waiting": "la que más espera",
    "painting now": "pintando ahora",
    "median render": "pintura mediana",
    "95th percentile": "percentil 95",
    "failed, last 24 h": "fallidas, últimas 24 h",
    "Orders per day": "Pedidos por día",
    "Orders per day (light) and paid orders (dark)": "Pedidos por día (claro) y pedidos pagados (oscuro)",
    "day": "día",
    "previews": "vistas previas",
    "paid": "pagados",
    "Conversion: preview → paid": "Conversión: vista previa → pago",
    "Of %(previews)s orders with a preview in the last %(days)s days, %(paid)s were paid": (
        "De %(previews)s pedidos con vista previa en los últimos %(days)s días, se pagaron %(paid)s"
    ),
    "Revenue, last %(days)s days": "Ingresos, últimos %(days)s días",
    "received": "recibido",
    "net": "neto",
    "No payments in this period.": "No hay pagos en este periodo.",
    "Failed renders: %(count)s": "Pinturas fallidas: %(count)s",
    "reason": "motivo",
    "times": "veces",
    "Latest": "Últimas",
    "attempts": "intentos",
    "failed at": "falló el",
    "error": "error",
    "No failures in this period.": "No hay fallos en este periodo.",
    "Staff tools": "Herramientas del equipo",
    "Orders, conversion, revenue, render queue, failures": "Pedidos, conversión, ingresos, cola de pintura, fallos",
    "Public gallery": "Galería pública",
    "What customers see": "Lo que ven los clientes",
    "Yes, I'm sure": "Sí, estoy seguro",
    "No, take me back": "No, volver",
    "Edit with the form": "Editar con el formulario",
    "Advanced: edit the JSON": "Avanzado: editar el JSON",
    "Passes (each paints at a larger size, starting from the one before)": (
        "Pasadas (cada una pinta a un tamaño mayor, partiendo de la anterior)"
    ),
    "add a pass": "añadir una pasada",
    "pass %(number)s": "pasada %(number)s",
    "remove this pass": "quitar esta pasada",
    "Advanced JSON": "JSON avanzado",
    "There are no sample photos in use. Add some under Styles › Sample photos, or run manage.py "
    "picmatix_add_samples.": (
        "No hay fotos de muestra en uso. Añade algunas en Estilos › Fotos de muestra, o ejecuta manage.py "
        "picmatix_add_samples."
    ),
    "Side by side": "Lado a lado",
    "deleted sample": "muestra borrada",
    "painted sample": "muestra pintada",
    "Waiting for the render queue…": "Esperando en la cola de pintura…",
    "Recipe used": "Receta usada",
    "Highlighted rows differ. Sizes show the recipe's size and the size the test render painted.": (
        "Las filas resaltadas son distintas. Los tamaños muestran el de la receta y el que pintó la prueba."
    ),
    "setting": "ajuste",
    "Use this recipe for the style": "Usar esta receta para el estilo",
    "Edit a copy": "Editar una copia",
    "No test render of this style yet. Start one below.": (
        "Todavía no hay pinturas de prueba de este estilo. Empieza una abajo."
    ),
    "New test render": "Nueva pintura de prueba",
    "Start the test render": "Empezar la pintura de prueba",
    "Sample photos in use: %(count)s": "Fotos de muestra en uso: %(count)s",
    "All test renders of this style": "Todas las pinturas de prueba de este estilo",
    "started": "empezada",
    "finished": "terminada",
    "Compare": "Comparar",
    "The photo": "La foto",
    "The painting, in the style %(style)s": "El cuadro, en el estilo %(style)s",
    "Photos our customers turned into paintings, shown with their permission.": (
        "Fotos que nuestros clientes convirtieron en cuadros, mostradas con su permiso."
    ),
    "No paintings here yet. Come back soon!": "Todavía no hay cuadros aquí. ¡Vuelve pronto!",
    "At your request, we deleted your photo, your paintings and your email address.": (
        "Como nos pediste, hemos borrado tu foto, tus cuadros y tu dirección de correo."
    ),
    "You allowed us to show this painting in our public gallery, once our staff approve it. You can change "
    "your mind at any time.": (
        "Nos permitiste mostrar este cuadro en nuestra galería pública cuando nuestro equipo lo apruebe. Puedes "
        "cambiar de opinión en cualquier momento."
    ),
    "Remove my painting from the gallery": "Quitar mi cuadro de la galería",
    "Your painting is not shown in the gallery any more.": "Tu cuadro ya no se muestra en la galería.",
    "render time": "tiempo de pintura",
    "customer's page": "página del cliente",
    "open": "abrir",
    "Orders": "Pedidos",
    "Your photo": "Tu foto",
    "JPEG, PNG, WebP or HEIC, up to 20 MB.": "JPEG, PNG, WebP o HEIC, hasta 20 MB.",
    "Style": "Estilo",
    "Please choose a style.": "Elige un estilo, por favor.",
    "Your email": "Tu correo electrónico",
    "We send the link to your preview here.": "Te enviamos aquí el enlace a tu vista previa.",
    "My painting may appear in the public gallery": "Mi cuadro puede aparecer en la galería pública",
    "Are you human?": "¿Eres humano?",
    "This file is %(size)s MB; the limit is %(limit)s MB.": (
        "Este archivo ocupa %(size)s MB; el límite es %(limit)s MB."
    ),
    "Please upload a JPEG, PNG, WebP or HEIC photo.": "Sube una foto JPEG, PNG, WebP o HEIC, por favor.",
    "This photo has too many pixels; the limit is %(limit)s megapixels.": (
        "Esta foto tiene demasiados píxeles; el límite es %(limit)s megapíxeles."
    ),
    "This file is not an image we can read. Please upload a JPEG, PNG, WebP or HEIC photo.": (
        "Este archivo no es una imagen que podamos leer. Sube una foto JPEG, PNG, WebP o HEIC, por favor."
    ),
    "This photo is too small; each side must be at least %(min)s pixels.": (
        "Esta foto es demasiado pequeña; cada lado debe medir al menos %(min)s píxeles."
    ),
    "Too many photos from your network in a short time. Please try again later.": (
        "Demasiadas fotos desde tu red en poco tiempo. Inténtalo de nuevo más tarde, por favor."
    ),
    "Painting": "Pintando",
    "Preview ready": "Vista previa lista",
    "Failed": "Fallido",
    "email": "correo electrónico",
    "language": "idioma",
    "country": "país",
    "currency": "moneda",
    "style": "estilo",
    "photo": "foto",
    "may appear in the public gallery": "puede aparecer en la galería pública",
    "status": "estado",
    "order": "pedido",
    "orders": "pedidos",
    "Queued": "En cola",
    "Running": "En curso",
    "Done": "Hecho",
    "Snapshot of the style's recipe when the order was placed.": "Copia de la receta del estilo al hacer el pedido.",
    "render job": "trabajo de pintura",
    "render jobs": "trabajos de pintura",
    "Payments": "Pagos",
    "English": "Inglés",
    "Spanish": "Español",
    "Rendering": "Pintura",
    "style image": "imagen del estilo",
    "A painting whose look we copy.": "Un cuadro cuyo aspecto copiamos.",
    "start from preset": "partir de una receta predefinida",
    "Replaces the recipe below with a named preset.": "Sustituye la receta de abajo por una predefinida.",
    "Give a recipe or choose a preset.": "Escribe una receta o elige una predefinida.",
    "image": "imagen",
    "current image": "imagen actual",
    "JSON; checked against the engine's recipe schema. Presets: %(names)s": (
        "JSON; se comprueba con el esquema de recetas del motor. Predefinidas: %(names)s"
    ),
    "Styles": "Estilos",
    "slug": "identificador",
    "name (English)": "nombre (inglés)",
    "name (Spanish)": "nombre (español)",
    "description (English)": "descripción (inglés)",
    "description (Spanish)": "descripción (español)",
    "thumbnail": "miniatura",
    "active": "activo",
    "Shown to customers.": "Visible para los clientes.",
    "position": "posición",
    "Lower comes first.": "Los números bajos van primero.",
    "render recipe": "receta de pintura",
    "styles": "estilos",
    "Not found": "No encontrado",
    "There is nothing at this address. If you followed a link from an email, please check that it was copied whole.": (
        "No hay nada en esta dirección. Si seguiste un enlace de un correo, comprueba que se copió entero."
    ),
    "Language": "Idioma",
    "Change": "Cambiar",
    "picmatix turns your photos into paintings.": "picmatix convierte tus fotos en cuadros.",
    "Hello,": "Hola:",
    "We have painted your photo in the style %(name)s. Have a look at the preview:": (
        "Hemos pintado tu foto en el estilo %(name)s. Echa un vistazo a la vista previa:"
    ),
    "If you like it, you can buy the full-resolution painting from that page and pay what you want.": (
        "Si te gusta, puedes comprar el cuadro en alta resolución desde esa página y pagar lo que quieras."
    ),
    "This link is private: anyone who has it can see your painting, so please do not share it.": (
        "Este enlace es privado: quien lo tenga puede ver tu cuadro, así que no lo compartas, por favor."
    ),
    "See my painting": "Ver mi cuadro",
    "Your %(name)s painting is ready to preview": "Tu cuadro %(name)s está listo para ver",
    "Your painting": "Tu cuadro",
    "Style: %(name)s": "Estilo: %(name)s",
    "We are painting your photo. This page updates by itself.": (
        "Estamos pintando tu foto. Esta página se actualiza sola."
    ),
    "Your painting, still in progress": "Tu cuadro, todavía en proceso",
    "Your preview is ready. We have also sent you an email with the link to this page.": (
        "Tu vista previa está lista. También te hemos enviado un correo con el enlace a esta página."
    ),
    "Preview of your painting (with watermark)": "Vista previa de tu cuadro (con marca de agua)",
    "We could not paint this photo. Our staff have been told and will contact you.": (
        "No hemos podido pintar esta foto. Nuestro equipo ya lo sabe y se pondrá en contacto contigo."
    ),
    "Pass": "Pasada",
    "of": "de",
    "Step": "Paso",
    "About MINUTES min left": "Quedan unos MINUTES min",
    "Almost done": "Casi listo",
    "Turn your photo into a painting": "Convierte tu foto en un cuadro",
    "Upload a photo, choose a style, and we email you a preview of your painting. "
    "You pay only if you like it, what you want.": (
        "Sube una foto, elige un estilo y te enviamos por correo una vista previa de tu cuadro. "
        "Solo pagas si te gusta, lo que quieras."
    ),
    "No styles are available yet.": "Todavía no hay estilos disponibles.",
    "Example of the style %(name)s": "Ejemplo del estilo %(name)s",
    "Paint my photo": "Pintar mi foto",
    "We could not paint your photo": "No hemos podido pintar tu foto",
    "We are sorry: we tried several times to paint your photo in the style %(name)s, and it did not work. "
    "The fault is ours, not your photo's.": (
        "Lo sentimos: hemos intentado varias veces pintar tu foto en el estilo %(name)s y no lo hemos "
        "conseguido. La culpa es nuestra, no de tu foto."
    ),
    "Our staff have been told and will look into it. You have not been charged anything.": (
        "Nuestro equipo ya lo sabe y lo revisará. No se te ha cobrado nada."
    ),
    "Your order:": "Tu pedido:",
    # payments (issue 5)
    "Paid": "Pagado",
    "Refunded": "Reembolsado",
    "needs attention": "requiere atención",
    "Yes": "Sí",
    "Re-send the HD download email": "Reenviar el correo de descarga en alta resolución",
    "Download emails queued: %(count)d.": "Correos de descarga en cola: %(count)d.",
    "Orders not paid, nothing sent: %(count)d.": "Pedidos sin pagar, no se ha enviado nada: %(count)d.",
    "Please enter an amount, for example %(example)s.": "Escribe un importe, por ejemplo %(example)s.",
    "Please check the amount.": "Revisa el importe, por favor.",
    "The minimum price is %(minimum)s.": "El precio mínimo es %(minimum)s.",
    "Amounts in %(currency)s are whole numbers.": "Los importes en %(currency)s son números enteros.",
    "Amounts in %(currency)s have at most two decimals.": (
        "Los importes en %(currency)s tienen como mucho dos decimales."
    ),
    "That amount is too large to pay by card.": "Ese importe es demasiado alto para pagarlo con tarjeta.",
    "Your price": "Tu precio",
    "amount": "importe",
    "payment": "pago",
    "payments": "pagos",
    "suggested price": "precio sugerido",
    "minimum price": "precio mínimo",
    "offered": "a la venta",
    "price": "precio",
    "prices": "precios",
    "The amount must be more than zero.": "El importe debe ser mayor que cero.",
    "This currency has no such small units.": "Esta moneda no tiene unidades tan pequeñas.",
    "The minimum cannot be above the suggested price.": "El mínimo no puede ser mayor que el precio sugerido.",
    "Waiting for payment": "Esperando el pago",
    "Succeeded": "Completado",
    "Canceled": "Cancelado",
    "Stripe PaymentIntent": "PaymentIntent de Stripe",
    "refunded": "reembolsado",
    "last asked Stripe": "última consulta a Stripe",
    "Payments are off.": "Los pagos están desactivados.",
    "Too many attempts in a short time. Please try again later.": (
        "Demasiados intentos en poco tiempo. Inténtalo de nuevo más tarde, por favor."
    ),
    "We could not reach our payment provider. Please try again in a moment.": (
        "No hemos podido contactar con nuestro proveedor de pagos. Inténtalo de nuevo en un momento, por favor."
    ),
    "Buy the full-resolution painting": "Comprar el cuadro en alta resolución",
    "Paid, thank you! The download link for the full-resolution painting is in your email.": (
        "¡Pagado, gracias! El enlace para descargar el cuadro en alta resolución está en tu correo."
    ),
    "Buy your painting": "Compra tu cuadro",
    "Back to your painting": "Volver a tu cuadro",
    "This shop cannot take payments at the moment, so the full-resolution painting cannot be bought yet. Your "
    "preview stays on your order page.": (
        "Esta tienda no puede cobrar en este momento, así que todavía no se puede comprar el cuadro en alta "
        "resolución. Tu vista previa sigue en la página de tu pedido."
    ),
    "Pay what you want for the full-resolution painting, without the watermark. We email you the download "
    "link as soon as the payment is confirmed.": (
        "Paga lo que quieras por el cuadro en alta resolución, sin marca de agua. Te enviamos por correo el "
        "enlace de descarga en cuanto se confirme el pago."
    ),
    "Your last payment attempt did not go through. You can try again.": (
        "Tu último intento de pago no se ha completado. Puedes volver a intentarlo."
    ),
    "Suggested: %(suggested)s. Minimum: %(minimum)s.": "Sugerido: %(suggested)s. Mínimo: %(minimum)s.",
    "Loading the secure payment form from Stripe…": "Cargando el formulario de pago seguro de Stripe…",
    "The secure payment form from Stripe could not be loaded. Please check your connection (and any blocker "
    "for this page), then reload it.": (
        "El formulario de pago seguro de Stripe no se ha podido cargar. Comprueba tu conexión (y cualquier "
        "bloqueador en esta página) y vuelve a cargarla."
    ),
    "Paying needs JavaScript: your card details go from your browser straight to Stripe.": (
        "Para pagar hace falta JavaScript: los datos de tu tarjeta van de tu navegador directamente a Stripe."
    ),
    "Pay": "Pagar",
    "Card details go straight from your browser to Stripe; this shop never sees or stores them.": (
        "Los datos de la tarjeta van directamente de tu navegador a Stripe; esta tienda nunca los ve ni los guarda."
    ),
    "Something went wrong. Please try again.": "Algo ha fallado. Inténtalo de nuevo, por favor.",
    "Your purchase": "Tu compra",
    "Thank you! Your payment is confirmed. We have emailed the download link for the full-resolution "
    "painting to %(email)s.": (
        "¡Gracias! Tu pago está confirmado. Hemos enviado el enlace para descargar el cuadro en alta "
        "resolución a %(email)s."
    ),
    "This purchase has been refunded.": "Esta compra se ha reembolsado.",
    "Your payment did not go through.": "Tu pago no se ha completado.",
    "Try again": "Volver a intentarlo",
    "Thank you! We are confirming your payment of %(amount)s with Stripe. This page updates by itself, and "
    "the download link will also arrive by email.": (
        "¡Gracias! Estamos confirmando con Stripe tu pago de %(amount)s. Esta página se actualiza sola, y el "
        "enlace de descarga también te llegará por correo."
    ),
    "This link has expired": "Este enlace ha caducado",
    "Download links work for a limited time. We can email you a new one, to the address you gave with your order.": (
        "Los enlaces de descarga funcionan durante un tiempo limitado. Podemos enviarte uno nuevo por correo, "
        "a la dirección que diste con tu pedido."
    ),
    "Email me a new download link": "Envíame un enlace de descarga nuevo",
    "We have emailed a new download link to the address of this order.": (
        "Hemos enviado un enlace de descarga nuevo a la dirección de este pedido."
    ),
    "You have asked for several links in a short time. Please look for them in your email, or try again in an hour.": (
        "Has pedido varios enlaces en poco tiempo. Búscalos en tu correo o vuelve a intentarlo dentro de una hora."
    ),
    "We keep full-resolution paintings for %(days)s days after payment, and this one is no longer stored.": (
        "Guardamos los cuadros en alta resolución %(days)s días después del pago, y este ya no está guardado."
    ),
    "Your %(name)s painting in full resolution": "Tu cuadro %(name)s en alta resolución",
    "Thank you for your purchase! Download your painting in full resolution here:": (
        "¡Gracias por tu compra! Descarga tu cuadro en alta resolución aquí:"
    ),
    "Download my painting": "Descargar mi cuadro",
    "The link works until %(date)s.": "El enlace funciona hasta el %(date)s.",
    "If it has expired, reply to this email and we will send you a new one.": (
        "Si ha caducado, responde a este correo y te enviaremos uno nuevo."
    ),
    "Your order page:": "La página de tu pedido:",
    "Your photo did not arrive. Please choose it again.": "Tu foto no ha llegado. Elígela de nuevo, por favor.",
    "Your photo is uploaded. Choose another file only to replace it.": (
        "Tu foto ya está subida. Elige otro archivo solo si quieres cambiarla."
    ),
    "If you do not buy your painting, we delete your photo and its preview %(days)s days after your order.": (
        "Si no compras tu cuadro, borramos tu foto y su vista previa %(days)s días después de tu pedido."
    ),
    "Your order page": "La página de tu pedido",
    # Issue 12 (input): phone photos, bounded fields, request size cap.
    "a GIF image": "una imagen GIF",
    "a TIFF image": "una imagen TIFF",
    "a BMP image": "una imagen BMP",
    "an icon file": "un archivo de icono",
    "a Photoshop file": "un archivo de Photoshop",
    "a PDF document": "un documento PDF",
    "an SVG drawing": "un dibujo SVG",
    "an animated GIF": "un GIF animado",
    "This file is an image in %(format)s format. We take photos in JPEG, PNG, WebP or HEIC format.": (
        "Este archivo es una imagen en formato %(format)s. Aceptamos fotos en formato JPEG, PNG, WebP o HEIC."
    ),
    "This file is %(kind)s. We take photos in JPEG, PNG, WebP or HEIC format.": (
        "Este archivo es %(kind)s. Aceptamos fotos en formato JPEG, PNG, WebP o HEIC."
    ),
    "This JPEG is saved in a special form (12-bit or lossless) that we cannot read. "
    "Please save it as a standard JPEG, or choose another photo.": (
        "Este JPEG está guardado en una forma especial (12 bits o sin pérdida) que no podemos leer. "
        "Guárdalo como JPEG normal o elige otra foto, por favor."
    ),
    "This photo seems damaged or incomplete, so we cannot read it. "
    "Please try sending it again, or choose another photo.": (
        "Esta foto parece dañada o incompleta, así que no podemos leerla. "
        "Prueba a enviarla de nuevo o elige otra foto, por favor."
    ),
    "Too large": "Demasiado grande",
    "What you sent is too large for us to receive. Photos can be up to %(limit_mb)s MB: please choose a "
    "smaller photo, or save this one at a lower quality, and try again.": (
        "Lo que has enviado es demasiado grande para que podamos recibirlo. Las fotos pueden ocupar hasta "
        "%(limit_mb)s MB: elige una foto más pequeña o guarda esta con menos calidad y vuelve a intentarlo."
    ),
    "Back to the shop": "Volver a la tienda",
    "The advanced JSON is too long: at most %(max)s characters.": (
        "El JSON avanzado es demasiado largo: como mucho %(max)s caracteres."
    ),
    "The advanced JSON is nested too deeply.": "El JSON avanzado está anidado demasiado.",
    "Only the first %(max)s characters of the search were used.": (
        "Solo se han usado los primeros %(max)s caracteres de la búsqueda."
    ),
    # Issue 13 (error pages, set-up notices for operators).
    "Something was wrong with that request": "Algo no estaba bien en esa petición",
    "Your browser sent something this shop could not understand. Please go back, reload the page and try again.": (
        "Tu navegador envió algo que esta tienda no ha entendido. Vuelve atrás, recarga la página e inténtalo de nuevo."
    ),
    "Go to the home page": "Ir a la página de inicio",
    "Not allowed": "No permitido",
    "You cannot open this page. If you followed a link from one of our emails, please check that it was copied "
    "whole.": (
        "No puedes abrir esta página. Si seguiste un enlace de uno de nuestros correos, comprueba que se copió entero."
    ),
    "Please reload the page": "Vuelve a cargar la página",
    "This form was open for too long, or your browser blocks cookies for this shop, so we could not accept it safely. "
    "Reload the page and send it again; if it happens again, allow cookies for this site.": (
        "Este formulario estuvo abierto demasiado tiempo, o tu navegador bloquea las cookies de esta tienda, así "
        "que no pudimos aceptarlo con seguridad. Vuelve a cargar la página y envíalo de nuevo; si vuelve a pasar, "
        "permite las cookies de este sitio."
    ),
    "Too many requests": "Demasiadas peticiones",
    "Too many requests came from your network in a short time. Please wait a while and try again; nothing you sent "
    "was lost.": (
        "Han llegado demasiadas peticiones desde tu red en poco tiempo. Espera un rato y vuelve a intentarlo; no se ha "
        "perdido nada de lo que enviaste."
    ),
    "Something went wrong on our side": "Algo ha fallado por nuestra parte",
    "We could not show this page because of an error in the shop, not anything you did. It has been logged. Please "
    "try again in a few minutes; your photo and your order are safe.": (
        "No hemos podido mostrar esta página por un error de la tienda, no por nada que hicieras tú. Ha quedado "
        "registrado. Vuelve a intentarlo en unos minutos; tu foto y tu pedido están a salvo."
    ),
    "Set-up notices": "Avisos de configuración",
    "Payments are in demonstration mode: customers pay with test cards and no money moves.": (
        "Los pagos están en modo de demostración: los clientes pagan con tarjetas de prueba y no se mueve dinero."
    ),
    "Bot protection (reCAPTCHA) is off: anyone can send photos to this shop's upload form.": (
        "La protección contra bots (reCAPTCHA) está desactivada: cualquiera puede enviar fotos al formulario de esta "
        "tienda."
    ),
    "Set PICMATIX_RECAPTCHA=on with RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY.": (
        "Define PICMATIX_RECAPTCHA=on con RECAPTCHA_PUBLIC_KEY y RECAPTCHA_PRIVATE_KEY."
    ),
    "Payments are off: customers can see their preview but cannot buy the full-resolution painting.": (
        "Los pagos están desactivados: los clientes ven su vista previa pero no pueden comprar el cuadro en alta "
        "resolución."
    ),
    "Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET.": (
        "Define STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY y STRIPE_WEBHOOK_SECRET."
    ),
    "example painting": "cuadro de ejemplo",
    "example's photo": "foto del ejemplo",
    "becomes the style's example": "pasa a ser el ejemplo del estilo",
    "This test render has no painting yet.": "Esta prueba de pintura aún no tiene cuadro.",
    "This painting is now the style's example.": "Este cuadro es ahora el ejemplo del estilo.",
    "Use as the style's example": "Usar como ejemplo del estilo",
    "Use as the example again": "Volver a usar como ejemplo",
    "The painting of the style %(name)s": "El cuadro del estilo %(name)s",
    "Our example photo painted in the style %(name)s": "Nuestra foto de ejemplo pintada en el estilo %(name)s",
    # Issue 12 (client address): per-address order limit, captcha on direct uploads, admin lockout.
    "This email address has reached its limit of %(limit)s new orders a day. You can order again in %(wait)s.": (
        "Esta dirección de correo ya alcanzó su límite de %(limit)s pedidos nuevos al día. "
        "Podrás volver a pedir dentro de %(wait)s."
    ),
    "Please confirm that you are not a robot.": "Por favor, confirma que no eres un robot.",
    "Sign-in locked": "Inicio de sesión bloqueado",
    (
        "After %(limit)s wrong passwords, signing in to this account from your address is locked. "
        "Try again in %(wait)s."
    ): (
        "Tras %(limit)s contraseñas incorrectas, el inicio de sesión en esta cuenta desde tu dirección está "
        "bloqueado. Vuelve a intentarlo dentro de %(wait)s."
    ),
    (
        "Forgot your password? Another administrator can set a new one, and unlock you by deleting your entry "
        "under Axes > Access attempts."
    ): (
        "¿Olvidaste tu contraseña? Otro administrador puede ponerte una nueva y desbloquearte borrando tu "
        "entrada en Axes > Intentos de acceso."
    ),
    # Issue 13 (demo payments and emails): the demonstration provider, Stripe's card wording, print size.
    "provider": "proveedor",
    "Stripe": "Stripe",
    "Demonstration (no money)": "Demostración (sin dinero)",
    "Your card was declined.": "Tu tarjeta ha sido rechazada.",
    "Your card has insufficient funds.": "Tu tarjeta no tiene fondos suficientes.",
    "Your card has expired.": "Tu tarjeta ha caducado.",
    "Your card's security code is incorrect.": "El código de seguridad de tu tarjeta es incorrecto.",
    "An error occurred while processing your card. Try again in a little bit.": (
        "Se ha producido un error al procesar tu tarjeta. Vuelve a intentarlo dentro de un rato."
    ),
    "Your card number is incorrect.": "El número de tu tarjeta es incorrecto.",
    "Your card was declined. This is a demonstration shop: use a test card such as 4242 4242 4242 4242.": (
        "Tu tarjeta ha sido rechazada. Esta es una tienda de demostración: usa una tarjeta de prueba,"
        " como la 4242 4242 4242 4242."
    ),
    "The payment goes through.": "El pago se acepta.",
    "Card number": "Número de tarjeta",
    "Expiry (MM / YY)": "Caducidad (MM / AA)",
    "CVC": "CVC",
    "MM / YY": "MM / AA",
    "Your card's security code is incomplete.": "El código de seguridad de tu tarjeta está incompleto.",
    "Your card's expiration date is incomplete.": "La fecha de caducidad de tu tarjeta está incompleta.",
    "Your card's expiration year is in the past.": "El año de caducidad de tu tarjeta ya ha pasado.",
    "Your card's expiration date is in the past.": "La fecha de caducidad de tu tarjeta ya ha pasado.",
    "%(width)s × %(height)s px, %(width_cm)s × %(height_cm)s cm / %(width_in)s × %(height_in)s in at %(dpi)s dpi": (
        "%(width)s × %(height)s px, %(width_cm)s × %(height_cm)s cm / %(width_in)s × %(height_in)s pulg. a %(dpi)s ppp"
    ),
    "The full-resolution file is %(hd_size)s.": "El archivo en alta resolución mide %(hd_size)s.",
    "The file is %(hd_size)s.": "El archivo mide %(hd_size)s.",
    "This is a demonstration shop: no money moves.": "Esta es una tienda de demostración: no se mueve dinero.",
    "Pay with a test card below and the full-resolution painting is emailed to you as after a real payment. "
    "Do not enter a real card.": (
        "Paga con una tarjeta de prueba y te enviaremos por correo el cuadro en alta resolución, como tras un"
        " pago real. No escribas una tarjeta real."
    ),
    "Pay (demonstration)": "Pagar (demostración)",
    "Test cards (any future expiry date, any three-digit CVC)": (
        "Tarjetas de prueba (cualquier fecha de caducidad futura, cualquier CVC de tres cifras)"
    ),
    "What happens": "Qué ocurre",
    "Any other card number is declined.": "Cualquier otro número de tarjeta se rechaza.",
    "This was a demonstration payment: no money moved.": "Ha sido un pago de demostración: no se ha movido dinero.",
    # Issue 12 (worker and repairs): a paid order whose painting is being made again.
    "Your painting is being re-made": "Estamos volviendo a pintar tu cuadro",
    (
        "Its file was lost on our side, so we are painting it again. You keep what you paid for: we will "
        "email you a new download link as soon as it is ready."
    ): (
        "Su archivo se perdió por un fallo nuestro, así que lo estamos volviendo a pintar. Conservas lo que "
        "pagaste: te enviaremos por email un nuevo enlace de descarga en cuanto esté listo."
    ),
    # Issue 12 (privacy and production): the gallery publishes the painting only
    "My painting may appear in the public gallery; my photo never does": (
        "Mi cuadro puede aparecer en la galería pública; mi foto nunca"
    ),
    "Paintings our customers ordered, shown with their permission. Their photos are never shown.": (
        "Cuadros que han encargado nuestros clientes, mostrados con su permiso. Sus fotos nunca se muestran."
    ),
    "painting": "cuadro",
    # Issue 13 (order page and upload): the comparison slider, full screen, the home page's steps, upload progress.
    "spacing": "espaciado",
    "Slide to compare your photo (left) with the painting (right)": (
        "Desliza para comparar tu foto (a la izquierda) con el cuadro (a la derecha)"
    ),
    "PERCENT percent of your photo shown": "PERCENT por ciento de tu foto a la vista",
    "Full screen": "Pantalla completa",
    "Leave full screen": "Salir de pantalla completa",
    "Open the painting on its own": "Abrir solo el cuadro",
    "Upload your photo": "Sube tu foto",
    "and choose a painter's style below.": "y elige abajo el estilo de un pintor.",
    "Get a preview by email": "Recibe una vista previa por correo",
    "as soon as your painting is ready, with a watermark.": "en cuanto tu cuadro esté listo, con marca de agua.",
    "Pay what you want": "Paga lo que quieras",
    "only if you like it, for the full-resolution painting.": "solo si te gusta, por el cuadro en alta resolución.",
    "Suggested: %(suggested)s.": "Sugerido: %(suggested)s.",
    "Recently painted": "Pintados hace poco",
    "A customer's painting, in the style %(style)s": "El cuadro de un cliente, en el estilo %(style)s",
    "See the whole gallery": "Ver toda la galería",
    "The photo you chose": "La foto que has elegido",
    "Sending your photo…": "Enviando tu foto…",
    "Photo sent. Opening your order…": "Foto enviada. Abriendo tu pedido…",
    "Your photo could not be sent: the connection was interrupted. Please check it and try again.": (
        "No hemos podido recibir tu foto: la conexión se ha cortado. Compruébala e inténtalo de nuevo."
    ),
    "Something went wrong while sending your photo. Please try again.": (
        "Algo ha fallado al enviar tu foto. Inténtalo de nuevo, por favor."
    ),
    # Issue 13 (print-size HD for every recipe).
    "HD long side (px)": "lado largo del HD (px)",
    "Optional: resize the HD file to this long side after the upscale (3840 px prints 32.5 cm at 300 dpi).": (
        "Opcional: redimensiona el archivo HD a este lado largo tras la ampliación (3840 px se imprimen a 32,5 cm "
        "a 300 ppp)."
    ),
    # Issue 13 (keep my photo's colours).
    "example with the photo's colours": "ejemplo con los colores de la foto",
    'offer "keep my photo\'s colours"': "ofrecer «mantener los colores de mi foto»",
    "Customers may keep their photo's colours and take only the brushwork of this style.": (
        "Los clientes pueden mantener los colores de su foto y tomar solo las pinceladas de este estilo."
    ),
    "keeps the photo's colours": "mantiene los colores de la foto",
    "This style does not offer keeping your photo's colours.": "Este estilo no ofrece mantener los colores de tu foto.",
    "Keep my photo's colours": "Mantener los colores de mi foto",
    "Take only the brushwork of the style and keep the colours of your photo.": (
        "Toma solo las pinceladas del estilo y mantiene los colores de tu foto."
    ),
    "Offered with the styles that show an example with the photo's colours.": (
        "Disponible con los estilos que muestran un ejemplo con los colores de la foto."
    ),
    "Also with your photo's colours": "También con los colores de tu foto",
    "with your photo's colours": "con los colores de tu foto",
    # Issue 14 (layers): the staff back office is an app of its own.
    "Back office": "Trastienda",
    # Staff: the order's fields in the admin.
    "token": "token",
    "photo width (px)": "ancho de la foto (px)",
    "photo height (px)": "alto de la foto (px)",
    "preview email sent at": "correo de la vista previa enviado el",
    "paid at": "pagado el",
    "HD email sent at": "correo del HD enviado el",
    "created at": "creado el",
    "updated at": "actualizado el",
    # Staff: field names in the admin.
    "queued at": "puesto en cola el",
    "worker": "proceso (worker)",
    "lease expires at": "la reserva caduca el",
    "last heartbeat": "última señal de vida",
    "started at": "empezado el",
    "finished at": "terminado el",
    "progress": "progreso",
    "progress image": "imagen del progreso",
    "preview": "vista previa",
    "HD painting": "cuadro en HD",
    "statistics": "estadísticas",
    "event": "evento",
    "done by": "hecho por",
    "data": "datos",
    "order event": "evento del pedido",
    "order events": "eventos del pedido",
    "Stripe live mode (real money)": "modo real de Stripe (dinero de verdad)",
    "thumbnail width (px)": "ancho de la miniatura (px)",
    "thumbnail height (px)": "alto de la miniatura (px)",
    "width (px)": "ancho (px)",
    "height (px)": "alto (px)",
    "render time (s)": "tiempo de pintura (s)",
    "painted sample photo": "foto de muestra pintada",
    "painted sample photos": "fotos de muestra pintadas",
}


def main() -> int:
    import polib  # type: ignore[import-untyped]  # a development tool only: `pip install polib`

    path = Path(__file__).parent / "es" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    missing = []
    for entry in catalogue:
        if entry.msgid in ES:
            entry.msgstr = ES[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = entry.previous_msgid_plural = None  # makemessages' guess, now replaced
        elif not entry.msgstr:
            missing.append(entry.msgid)
    catalogue.metadata["Language"] = "es"
    catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    catalogue.save()
    for msgid in missing:
        print(f"missing: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
