"""Write the uk/ru/en gettext catalogs from the table below (run after changing strings).

python tools/make_po.py
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

# msgid: (Ukrainian, Russian). Crimean Tatar (Latin script) is in CRH below; new strings in NEW.
T: dict[str, tuple[str, str]] = {
    "Attachments": ("Вкладення", "Вложения"),
    "Capture claims (EXIF as data)": (
        "Дані зйомки (EXIF як дані)",
        "Данные съёмки (EXIF как данные)",
    ),
    "Capture signature and hashes": ("Підпис і хеші під час зйомки", "Подпись и хеши при съёмке"),
    "Categories": ("Категорії", "Категории"),
    "Category": ("Категорія", "Категория"),
    "Checks": ("Перевірки", "Проверки"),
    "Confidence": ("Упевненість", "Уверенность"),
    "Custody log": ("Журнал зберігання", "Журнал хранения"),
    "Desk passphrase": ("Пароль робочого місця", "Пароль рабочего места"),
    "Download original (open only on an isolated machine)": (
        "Завантажити оригінал (відкривати лише на ізольованому комп'ютері)",
        "Скачать оригинал (открывать только на изолированном компьютере)",
    ),
    "Drop address": ("Адреса сервера прийому", "Адрес сервера приёма"),
    "Drop log key": ("Ключ журналу сервера", "Ключ журнала сервера"),
    "Drop": ("Сервер прийому", "Сервер приёма"),
    "Enrolled": ("Підключено", "Подключён"),
    "FAILED": ("НЕ ПРОЙДЕНО", "НЕ ПРОЙДЕНО"),
    "Filter": ("Фільтрувати", "Фильтровать"),
    "From": ("Від", "С"),
    "Inbox": ("Вхідні", "Входящие"),
    "Invitations": ("Запрошення", "Приглашения"),
    "Key fingerprint": ("Відбиток ключа", "Отпечаток ключа"),
    "Legal qualification": ("Правова кваліфікація", "Правовая квалификация"),
    "Log consistency": ("Узгодженість журналу", "Согласованность журнала"),
    "Log in": ("Увійти", "Войти"),
    "Log out": ("Вийти", "Выйти"),
    "Made": ("Створено", "Создано"),
    "Make a one-time invitation": (
        "Створити одноразове запрошення",
        "Создать одноразовое приглашение",
    ),
    "New invitation — hand it over in person": (
        "Нове запрошення — передайте його особисто",
        "Новое приглашение — передайте его лично",
    ),
    "No attachments.": ("Без вкладень.", "Без вложений."),
    "No reports match.": ("Немає відповідних повідомлень.", "Нет подходящих сообщений."),
    "No sources yet.": ("Джерел ще немає.", "Источников пока нет."),
    "Not shown: this file could be hostile.": (
        "Не показано: файл може бути шкідливим.",
        "Не показано: файл может быть вредоносным.",
    ),
    "Note": ("Нотатка", "Заметка"),
    "Notes": ("Нотатки", "Заметки"),
    "One-time code (if enabled)": (
        "Одноразовий код (якщо ввімкнено)",
        "Одноразовый код (если включён)",
    ),
    "Open the desk": ("Відкрити робоче місце", "Открыть рабочее место"),
    "Pseudonym": ("Псевдонім", "Псевдоним"),
    "Qualifications": ("Кваліфікації", "Квалификации"),
    "Receipt in the drop's log": ("Квитанція в журналі сервера", "Квитанция в журнале сервера"),
    "Received": ("Отримано", "Получено"),
    "Reply sent.": ("Відповідь надіслано.", "Ответ отправлен."),
    "Reply to the source": ("Відповісти джерелу", "Ответить источнику"),
    "Report": ("Повідомлення", "Сообщение"),
    "Reports are hostile until proven otherwise: never open originals on this machine.": (
        "Повідомлення вважаються небезпечними, доки не доведено протилежне: ніколи не відкривайте оригінали на цьому комп'ютері.",
        "Сообщения считаются опасными, пока не доказано обратное: никогда не открывайте оригиналы на этом компьютере.",
    ),
    "Reviewer": ("Рецензент", "Рецензент"),
    "Revoke key": ("Відкликати ключ", "Отозвать ключ"),
    "Save": ("Зберегти", "Сохранить"),
    "Saved.": ("Збережено.", "Сохранено."),
    "Search": ("Пошук", "Поиск"),
    "Send encrypted reply": ("Надіслати зашифровану відповідь", "Отправить зашифрованный ответ"),
    "Something was refused": ("Дію відхилено", "Действие отклонено"),
    "Source": ("Джерело", "Источник"),
    "Sources": ("Джерела", "Источники"),
    "Status": ("Статус", "Статус"),
    "To": ("До", "По"),
    "Too many attempts; wait a little.": (
        "Забагато спроб; зачекайте трохи.",
        "Слишком много попыток; подождите немного.",
    ),
    "Triage": ("Первинна оцінка", "Первичная оценка"),
    "Tysha desk": ("Тиша: робоче місце", "Тиша: рабочее место"),
    "Verification": ("Перевірка", "Проверка"),
    "When": ("Коли", "Когда"),
    "Where": ("Де", "Где"),
    "Written": ("Написано", "Написано"),
    "Wrong one-time code.": ("Неправильний одноразовий код.", "Неверный одноразовый код."),
    "Wrong passphrase.": ("Неправильний пароль.", "Неверный пароль."),
    "all": ("усі", "все"),
    "capture not verified": ("зйомку не підтверджено", "съёмка не подтверждена"),
    "capture verified": ("зйомку підтверджено", "съёмка подтверждена"),
    "desk": ("робоче місце", "рабочее место"),
    "entry": ("запис", "запись"),
    "high": ("висока", "высокая"),
    "low": ("низька", "низкая"),
    "medium": ("середня", "средняя"),
    "revoked key: do not trust": ("ключ відкликано: не довіряти", "ключ отозван: не доверять"),
    "revoked": ("відкликано", "отозван"),
    "verified": ("перевірено", "проверено"),
    "words in the text or place": ("слова в тексті чи місці", "слова в тексте или месте"),
    "new": ("нове", "новое"),
    "reviewing": ("на розгляді", "на рассмотрении"),
    "escalated": ("передано далі", "передано дальше"),
    "Protected field": ("Захищене поле", "Защищённое поле"),
    "Real name (only if you must; stored encrypted, never exported)": (
        "Справжнє ім'я (лише якщо конче треба; зберігається зашифрованим, ніколи не експортується)",
        "Настоящее имя (только если необходимо; хранится зашифрованным, никогда не экспортируется)",
    ),
    # the source CLI
    "sealed into the outbox.": ("запечатано у вихідні.", "запечатано в исходящие."),
    "enrolled. Compare this fingerprint with your handler, in person:": (
        "підключено. Звірте цей відбиток із куратором особисто:",
        "подключено. Сверьте этот отпечаток с куратором лично:",
    ),
    "the original files are still on this device. Remove them yourself, or run again with --shred-originals (best effort on flash storage).": (
        "оригінальні файли досі на цьому пристрої. Видаліть їх самі або запустіть знову з --shred-originals (на флеш-пам'яті без гарантії).",
        "оригинальные файлы всё ещё на этом устройстве. Удалите их сами или запустите снова с --shred-originals (на флеш-памяти без гарантии).",
    ),
    "the originals were overwritten and removed. On phones and USB flash this is best effort: old copies may survive inside the storage chip.": (
        "оригінали перезаписано й видалено. На телефонах і флешках це без гарантії: старі копії можуть лишитися в мікросхемі пам'яті.",
        "оригиналы перезаписаны и удалены. На телефонах и флешках это без гарантии: старые копии могут остаться в микросхеме памяти.",
    ),
    "sent {sent}, receipts verified; {waiting} still waiting": (
        "надіслано {sent}, квитанції перевірено; ще чекають {waiting}",
        "отправлено {sent}, квитанции проверены; ещё ждут {waiting}",
    ),
    "vault ready: {size} bytes": ("сховище готове: {size} байт", "хранилище готово: {size} байт"),
    "done.": ("готово.", "готово."),
}


# Strings added with the flags, dates, revocation, outbox and taxonomy labels: (uk, ru, crh).
NEW: dict[str, tuple[str, str, str]] = {
    "Tysha": ("Тиша", "Тиша", "Tışa"),
    "A drop could not be reached; nothing was lost, try again later.": (
        "Не вдалося зв'язатися з сервером прийому; нічого не втрачено, спробуйте пізніше.",
        "Не удалось связаться с сервером приёма; ничего не потеряно, попробуйте позже.",
        "Qabul serverine bağlanıp olmadı; hiç bir şey ğayıp olmadı, soñra kene deñeñiz.",
    ),
    "Cancel": ("Скасувати", "Отмена", "Vazgeç"),
    "Details": ("Подробиці", "Подробности", "Tafsilât"),
    "Do not rely on this report without checking:": (
        "Не покладайтеся на це повідомлення без перевірки:",
        "Не полагайтесь на это сообщение без проверки:",
        "Bu haberge teşkerüvsiz işanmañız:",
    ),
    "Event time": ("Час події", "Время события", "Vaqia vaqtı"),
    "Fetch now": ("Отримати зараз", "Получить сейчас", "Şimdi al"),
    "Give a reason and tick the confirmation.": (
        "Вкажіть причину й позначте підтвердження.",
        "Укажите причину и отметьте подтверждение.",
        "Sebebini yazıñız ve tasdıqnı belgileñiz.",
    ),
    "I am sure": ("Я впевнений(-а)", "Я уверен(-а)", "Eminim"),
    "Its reports are trusted again. Do this only when you are sure the key is back in the source's hands.": (
        "Його повідомленням знову довіряють. Робіть це, лише коли впевнені, що ключ знову в руках джерела.",
        "Его сообщениям снова доверяют. Делайте это, только если уверены, что ключ снова в руках источника.",
        "Onıñ haberlerine kene işanılır. Anahtar kene menbanıñ elinde olğanına emin olğanda yapıñız.",
    ),
    "All its reports are flagged as untrusted while the key is revoked. Do this when the phone may be in someone else's hands. You can restore the key later.": (
        "Поки ключ відкликано, усі його повідомлення позначено як недостовірні. Робіть це, коли телефон може бути в чужих руках. Пізніше ключ можна відновити.",
        "Пока ключ отозван, все его сообщения помечены как недостоверные. Делайте это, когда телефон может быть в чужих руках. Позже ключ можно восстановить.",
        "Anahtar keri alınğan ekende, onıñ bütün haberleri işançsız dep belgilenir. Telefon yabancı ellerde olıp olsa, bunı yapıñız. Soñra anahtarnı keri qaytarıp olursıñız.",
    ),
    "Legal qualifications (choose one or more)": (
        "Правові кваліфікації (одна чи кілька)",
        "Правовые квалификации (одна или несколько)",
        "Uquqiy tasnifler (bir ya da bir qaç)",
    ),
    "Not found.": ("Не знайдено.", "Не найдено.", "Tapılmadı."),
    "Preview not made for this view.": (
        "Попередній перегляд тут не створено.",
        "Предпросмотр здесь не создан.",
        "Bu körüniş içün ögden baquv yapılmadı.",
    ),
    "Queued replies": ("Відповіді в черзі", "Ответы в очереди", "Sırada beklegen cevaplar"),
    "Reason (kept in the custody log)": (
        "Причина (записується в журнал зберігання)",
        "Причина (записывается в журнал хранения)",
        "Sebep (saqlav jurnalına yazılır)",
    ),
    "Restore key": ("Відновити ключ", "Восстановить ключ", "Anahtarnı qaytar"),
    "Restore this source's key?": (
        "Відновити ключ цього джерела?",
        "Восстановить ключ этого источника?",
        "Bu menbanıñ anahtarını qaytarmalımı?",
    ),
    "Revoke this source's key?": (
        "Відкликати ключ цього джерела?",
        "Отозвать ключ этого источника?",
        "Bu menbanıñ anahtarını keri almalımı?",
    ),
    "The drop cannot be reached: the reply is queued and will be sent by the next fetch.": (
        "Сервер прийому недоступний: відповідь поставлено в чергу, її буде надіслано під час наступного отримання.",
        "Сервер приёма недоступен: ответ поставлен в очередь и будет отправлен при следующем получении.",
        "Qabul serverine bağlanıp olmay: cevap sırağa qoyuldı, kelecek alışta yiberilecek.",
    ),
    "The drop showed a forked history: do not trust it; tell your organisation.": (
        "Сервер прийому показав роздвоєну історію: не довіряйте йому; повідомте свою організацію.",
        "Сервер приёма показал раздвоенную историю: не доверяйте ему; сообщите своей организации.",
        "Qabul serveri ekige bölüngen tarih kösterdi: oña işanmañız; teşkilâtıñızğa bildiriñiz.",
    ),
    "The reply was not sent. Your text is kept below.": (
        "Відповідь не надіслано. Ваш текст збережено нижче.",
        "Ответ не отправлен. Ваш текст сохранён ниже.",
        "Cevap yiberilmedi. Metniñiz aşağıda saqlandı.",
    ),
    "This form is out of date or was not sent from this desk; reload the page and try again.": (
        "Ця форма застаріла або надіслана не з цього робочого місця; оновіть сторінку й спробуйте ще раз.",
        "Эта форма устарела или отправлена не с этого рабочего места; обновите страницу и попробуйте ещё раз.",
        "Bu forma eskirgen ya da bu iş yerinden yiberilmegen; saifeni yañartıñız ve kene deñeñiz.",
    ),
    "Thumbnails are made in a separate process with memory and time limits, but this machine has no bubblewrap: that process is not cut off from the network and the files. Install bubblewrap to confine it.": (
        "Мініатюри створюються в окремому процесі з обмеженнями пам'яті й часу, але на цьому комп'ютері немає bubblewrap: цей процес не відрізаний від мережі й файлів. Установіть bubblewrap, щоб ізолювати його.",
        "Миниатюры создаются в отдельном процессе с ограничениями памяти и времени, но на этом компьютере нет bubblewrap: этот процесс не отрезан от сети и файлов. Установите bubblewrap, чтобы изолировать его.",
        "Kiçik resimler hatıra ve vaqıt sıñırları olğan ayrı bir processte yapıla, amma bu kompyuterde bubblewrap yoq: o process ağdan ve fayllardan ayırılmağan. Onı qapatmaq içün bubblewrap qurıñız.",
    ),
    "all checks passed": ("усі перевірки пройдено", "все проверки пройдены", "bütün teşkerüvler keçti"),
    "queued": ("у черзі", "в очереди", "sırada"),
    "article to be confirmed": ("статтю треба уточнити", "статью нужно уточнить", "madde tasdıqlanmalı"),
    "Source {n}": ("Джерело {n}", "Источник {n}", "Menba {n}"),
    "unknown (not enrolled here)": (
        "невідоме (не підключене тут)",
        "неизвестный (не подключён здесь)",
        "belgisiz (mında qayd etilmegen)",
    ),
    # flags: badge labels and the reasons desk/views.py gives
    "unknown sender": ("невідомий відправник", "неизвестный отправитель", "belgisiz yiberici"),
    "reused invitation": ("повторне запрошення", "повторное приглашение", "tekrar qullanılğan davet"),
    "revoked key": ("ключ відкликано", "ключ отозван", "anahtar keri alındı"),
    "receipt failed": ("квитанцію не підтверджено", "квитанция не подтверждена", "qabul vesiqası tasdıqlanmadı"),
    "forked log": ("роздвоєний журнал", "раздвоенный журнал", "ekige bölüngen jurnal"),
    "implausible claims": ("неправдоподібні дані", "неправдоподобные данные", "inanılmaz malümat"),
    "The sender's key was never enrolled at this desk.": (
        "Ключ відправника ніколи не підключали на цьому робочому місці.",
        "Ключ отправителя никогда не подключали на этом рабочем месте.",
        "Yibericiniñ anahtarı bu iş yerinde asla qayd etilmegen.",
    ),
    "The sender used a one-time invitation that had already enrolled another key (a leaked or reused code).": (
        "Відправник використав одноразове запрошення, яким уже підключено інший ключ (код витік або використаний повторно).",
        "Отправитель использовал одноразовое приглашение, которым уже подключён другой ключ (код утёк или использован повторно).",
        "Yiberici endi başqa bir anahtarnı qayd etken bir kerelik davetni qullandı (sızğan ya da tekrar qullanılğan kod).",
    ),
    "The sender's key has been revoked as compromised.": (
        "Ключ відправника відкликано як скомпрометований.",
        "Ключ отправителя отозван как скомпрометированный.",
        "Yibericiniñ anahtarı tehlikege tüşken dep keri alındı.",
    ),
    "An attachment's capture attestation does not verify.": (
        "Підтвердження зйомки одного з вкладень не проходить перевірку.",
        "Подтверждение съёмки одного из вложений не проходит проверку.",
        "Bir ilâvede çekiliş tasdıqı teşkerüvden keçmey.",
    ),
    "The drop's log does not prove that it holds this report.": (
        "Журнал сервера прийому не доводить, що містить це повідомлення.",
        "Журнал сервера приёма не доказывает, что содержит это сообщение.",
        "Qabul serveriniñ jurnalı bu haberni saqlağanını isbatlamay.",
    ),
    "The drop showed this desk two inconsistent histories of its log.": (
        "Сервер прийому показав цьому робочому місцю дві несумісні історії свого журналу.",
        "Сервер приёма показал этому рабочему месту две несовместимые истории своего журнала.",
        "Qabul serveri bu iş yerine jurnalınıñ bir-birine uymağan eki tarihını kösterdi.",
    ),
    "An attachment carries capture claims that cannot be true.": (
        "Вкладення містить дані зйомки, які не можуть бути правдою.",
        "Вложение содержит данные съёмки, которые не могут быть правдой.",
        "Bir ilâvede doğru olıp olmağan çekiliş malümatı bar.",
    ),
    # capture-claim keys
    "SHA-256 at capture": ("SHA-256 під час зйомки", "SHA-256 при съёмке", "Çekilişte SHA-256"),
    "size at capture": ("розмір під час зйомки", "размер при съёмке", "çekilişte büyüklik"),
    "file type": ("тип файлу", "тип файла", "fayl türü"),
    "file name": ("назва файлу", "имя файла", "fayl adı"),
    "device clock at capture": (
        "час пристрою під час зйомки",
        "время устройства при съёмке",
        "çekilişte cihaz saatı",
    ),
    "camera time (EXIF)": ("час камери (EXIF)", "время камеры (EXIF)", "kamera vaqtı (EXIF)"),
    "camera position (EXIF)": (
        "місце камери (EXIF)",
        "местоположение камеры (EXIF)",
        "kamera yeri (EXIF)",
    ),
    # custody actions
    "note added": ("додано нотатку", "добавлена заметка", "qayd qoşuldı"),
    "deleted from the drop": ("видалено з сервера прийому", "удалено с сервера приёма", "qabul serverinden silindi"),
    "desk created": ("робоче місце створено", "рабочее место создано", "iş yeri yaratıldı"),
    "exported": ("експортовано", "экспортировано", "tışarı çıqarıldı"),
    "fork detected": ("виявлено роздвоєння", "обнаружено раздвоение", "ekige bölünüv tapıldı"),
    "invitation made": ("створено запрошення", "создано приглашение", "davet yapıldı"),
    "invitation reused": ("запрошення використано повторно", "приглашение использовано повторно", "davet tekrar qullanıldı"),
    "qualified": ("кваліфіковано", "квалифицировано", "tasnif etildi"),
    "received": ("отримано", "получено", "alındı"),
    "replied": ("надіслано відповідь", "отправлен ответ", "cevap yiberildi"),
    "reply queued": ("відповідь у черзі", "ответ в очереди", "cevap sırada"),
    "drop listing anomaly": ("аномалія у списку сервера прийому", "аномалия в списке сервера приёма", "qabul serveri listesinde anomaliya"),
    "entry withheld by the drop": ("сервер прийому приховав запис", "сервер приёма скрыл запись", "qabul serveri qaydnı gizledi"),
    "witnesses: {checked}": ("свідки: {checked}", "свидетели: {checked}", "şaatlar: {checked}"),
    "The drop withholds an entry of its log from this desk; it is checked again on every fetch.": (
        "Сервер прийому приховує від цього робочого місця запис свого журналу; його перевірятимуть знову під час кожного отримання.",
        "Сервер приёма скрывает от этого рабочего места запись своего журнала; её будут проверять снова при каждом получении.",
        "Qabul serveri bu iş yerinden öz jurnalınıñ bir qaydını gizley; er alışta kene teşkerilecek.",
    ),
    "The drop's witnesses have not cosigned what it shows; nothing was taken from it.": (
        "Свідки сервера прийому не підписали того, що він показує; з нього нічого не взято.",
        "Свидетели сервера приёма не подписали того, что он показывает; из него ничего не взято.",
        "Qabul serveriniñ şaatları onıñ köstergenini imzalamadı; ondan bir şey alınmadı.",
    ),
    "one-time codes disabled": ("вимкнено одноразові коди", "отключены одноразовые коды", "bir kerelik kodlar qapatıldı"),
    "qualification withdrawn": ("кваліфікацію відкликано", "квалификация отозвана", "tasnif keri alındı"),
    "source enrolled": ("джерело підключено", "источник подключён", "menba qayd etildi"),
    "source restored": ("джерело відновлено", "источник восстановлен", "menba qaytarıldı"),
    "source revoked": ("джерело відкликано", "источник отозван", "menba keri alındı"),
    "status changed": ("змінено статус", "изменён статус", "durum deñişti"),
    "one-time codes enabled": ("увімкнено одноразові коди", "включены одноразовые коды", "bir kerelik kodlar açıldı"),
    "verified on arrival": ("перевірено при отриманні", "проверено при получении", "kelgende teşkerildi"),
    # what sniffing decided a file is
    "JPEG image": ("зображення JPEG", "изображение JPEG", "JPEG resmi"),
    "PNG image": ("зображення PNG", "изображение PNG", "PNG resmi"),
    "GIF image": ("зображення GIF", "изображение GIF", "GIF resmi"),
    "WebP image": ("зображення WebP", "изображение WebP", "WebP resmi"),
    "PDF document": ("документ PDF", "документ PDF", "PDF vesiqası"),
    "archive or office document": ("архів або офісний документ", "архив или офисный документ", "arhiv ya da ofis vesiqası"),
    "old office document": ("старий офісний документ", "старый офисный документ", "eski ofis vesiqası"),
    "SVG/XML document (may contain scripts)": (
        "документ SVG/XML (може містити скрипти)",
        "документ SVG/XML (может содержать скрипты)",
        "SVG/XML vesiqası (skriptler olıp ola)",
    ),
    "HTML document (may contain scripts)": (
        "документ HTML (може містити скрипти)",
        "документ HTML (может содержать скрипты)",
        "HTML vesiqası (skriptler olıp ola)",
    ),
    "video": ("відео", "видео", "video"),
    "unknown file": ("невідомий файл", "неизвестный файл", "belgisiz fayl"),
    # pseudonym words (desk/store.py _ADJ, _NOUN): a code name, translated word by word
    "Amber": ("Бурштин", "Янтарь", "Kehribar"),
    "Birch": ("Береза", "Берёза", "Qayın"),
    "Cedar": ("Кедр", "Кедр", "Sedir"),
    "Dawn": ("Світанок", "Рассвет", "Tañ"),
    "Elm": ("В'яз", "Вяз", "Qaraağaç"),
    "Fern": ("Папороть", "Папоротник", "Eğrelti"),
    "Grey": ("Сивий", "Седой", "Boz"),
    "Hazel": ("Ліщина", "Орешник", "Fındıq"),
    "Ivy": ("Плющ", "Плющ", "Sarmaşıq"),
    "Juniper": ("Ялівець", "Можжевельник", "Ardıç"),
    "Linden": ("Липа", "Липа", "Ihlamur"),
    "Maple": ("Клен", "Клён", "Aqçaağaç"),
    "North": ("Північ", "Север", "Şimal"),
    "Oak": ("Дуб", "Дуб", "Emen"),
    "Pine": ("Сосна", "Сосна", "Çam"),
    "Quiet": ("Тихий", "Тихий", "Sessiz"),
    "River": ("Річка", "Река", "Özen"),
    "Sage": ("Шавлія", "Шалфей", "Şalfey"),
    "Willow": ("Верба", "Ива", "Söğüt"),
    "Yarrow": ("Деревій", "Тысячелистник", "Civanperçem"),
    "Fox": ("Лис", "Лис", "Tilki"),
    "Heron": ("Чапля", "Цапля", "Balıqçıl"),
    "Lark": ("Жайворонок", "Жаворонок", "Torğay"),
    "Owl": ("Сова", "Сова", "Bayğuş"),
    "Hare": ("Заєць", "Заяц", "Tavşan"),
    "Wren": ("Кропив'янка", "Крапивник", "Çıtçıq"),
    "Stork": ("Лелека", "Аист", "Leylek"),
    "Crane": ("Журавель", "Журавль", "Turna"),
    "Finch": ("Зяблик", "Зяблик", "İspinoz"),
    "Swift": ("Стриж", "Стриж", "Ebabil"),
    "Robin": ("Вільшанка", "Зарянка", "Qızılgögüs"),
    "Otter": ("Видра", "Выдра", "Suv samurı"),
    "Lynx": ("Рись", "Рысь", "Vaşaq"),
    "Badger": ("Борсук", "Барсук", "Porsuq"),
    "Falcon": ("Сокіл", "Сокол", "Şahin"),
    "Marten": ("Куниця", "Куница", "Sansar"),
    "Swallow": ("Ластівка", "Ласточка", "Qarlığaç"),
    "Kestrel": ("Боривітер", "Пустельга", "Kerkenez"),
    "Deer": ("Олень", "Олень", "Kiyik"),
    "Bee": ("Бджола", "Пчела", "Arı"),
}


# Legal qualifications (evidence/taxonomy.py): the article's wording in each language.
QUAL: dict[str, tuple[str, str, str]] = {
    "compelling a protected person to serve in hostile forces": (
        "примушування особи, що перебуває під захистом, до служби у збройних силах ворожої держави",
        "принуждение покровительствуемого лица к службе в вооружённых силах враждебной державы",
        "qorçalanğan şahısnı duşman quvvetlerinde hızmet etmege mecbur etüv",
    ),
    "compelling nationals to take part in operations against their country": (
        "примушування громадян до участі у воєнних діях проти власної країни",
        "принуждение граждан к участию в военных действиях против своей страны",
        "vatandaşlarnı öz memleketine qarşı areketlerge iştirak etmege mecbur etüv",
    ),
    "conscripting or enlisting children under 15": (
        "призов або зарахування дітей до 15 років",
        "призыв или вербовка детей младше 15 лет",
        "15 yaşından kiçik balalarnı askerlikke çağıruv ya da yazuv",
    ),
    "unlawful deportation, transfer or confinement": (
        "незаконна депортація, переміщення або позбавлення волі",
        "незаконная депортация, перемещение или лишение свободы",
        "qanunsız sürgün, köçürüv ya da apiske qapatuv",
    ),
    "deportation or transfer of the population of occupied territory": (
        "депортація або переміщення населення окупованої території",
        "депортация или перемещение населения оккупированной территории",
        "işğal etilgen topraq ealisini sürgün etüv ya da köçürüv",
    ),
    "deportation or forcible transfer (crime against humanity)": (
        "депортація або насильницьке переміщення (злочин проти людяності)",
        "депортация или насильственное перемещение (преступление против человечности)",
        "sürgün ya da zorlap köçürüv (insaniyetke qarşı cinayet)",
    ),
    "genocide: forcibly transferring children of the group": (
        "геноцид: насильницька передача дітей групи",
        "геноцид: насильственная передача детей группы",
        "genotsid: gruppanıñ balalarını zorlap köçürüv",
    ),
    "rape, sexual slavery and other sexual violence": (
        "зґвалтування, сексуальне рабство та інше сексуальне насильство",
        "изнасилование, сексуальное рабство и другое сексуальное насилие",
        "zorlav, cinsiy qullıq ve diger cinsiy zorbalıq",
    ),
    "sexual violence (crime against humanity)": (
        "сексуальне насильство (злочин проти людяності)",
        "сексуальное насилие (преступление против человечности)",
        "cinsiy zorbalıq (insaniyetke qarşı cinayet)",
    ),
    "torture or inhuman treatment": (
        "катування або нелюдське поводження",
        "пытки или бесчеловечное обращение",
        "qıynav ya da insaniyetsiz muamele",
    ),
    "wilfully causing great suffering": (
        "умисне заподіяння сильних страждань",
        "умышленное причинение сильных страданий",
        "bilerek büyük azap berüv",
    ),
    "outrages upon personal dignity": (
        "посягання на людську гідність",
        "посягательство на человеческое достоинство",
        "şahsiy izzet-nefske tecavüz",
    ),
    "torture (crime against humanity)": (
        "катування (злочин проти людяності)",
        "пытки (преступление против человечности)",
        "qıynav (insaniyetke qarşı cinayet)",
    ),
    "other inhumane acts": ("інші нелюдські діяння", "другие бесчеловечные деяния", "diger insaniyetsiz areketler"),
    "denial of a fair trial": (
        "позбавлення права на справедливий суд",
        "лишение права на справедливый суд",
        "adaletli maqkeme aqqından marum etüv",
    ),
    "taking of hostages": ("захоплення заручників", "взятие заложников", "rehine aluv"),
    "imprisonment or severe deprivation of liberty": (
        "ув'язнення або інше жорстоке позбавлення волі",
        "заключение или иное жестокое лишение свободы",
        "apiske aluv ya da serbestlikten ağır marum etüv",
    ),
    "enforced disappearance": ("насильницьке зникнення", "насильственное исчезновение", "zorlap ğayıp etüv"),
    "persecution (with another listed act)": (
        "переслідування (разом з іншим переліченим діянням)",
        "преследование (вместе с другим перечисленным деянием)",
        "taqip (diger sayılğan bir areket ile)",
    ),
    "wilful killing": ("умисне вбивство", "умышленное убийство", "bilerek öldürüv"),
    "murder (crime against humanity)": (
        "вбивство (злочин проти людяності)",
        "убийство (преступление против человечности)",
        "öldürüv (insaniyetke qarşı cinayet)",
    ),
    "attacks on civilians": ("напади на цивільне населення", "нападения на гражданское население", "sivil ealige ücümler"),
    "attacks on civilian objects": ("напади на цивільні об'єкти", "нападения на гражданские объекты", "sivil obyektlerge ücümler"),
    "disproportionate attack": ("непропорційний напад", "несоразмерное нападение", "ölçüsiz ücüm"),
    "attacks on religious, educational, medical buildings, monuments": (
        "напади на релігійні, освітні, медичні будівлі, пам'ятки",
        "нападения на религиозные, образовательные, медицинские здания, памятники",
        "diniy, tasil, tibbiy binalarğa, abidelerge ücümler",
    ),
    "extensive destruction and appropriation of property": (
        "масштабне знищення та привласнення майна",
        "массовое уничтожение и присвоение имущества",
        "mülkni keñ çapta yoq etüv ve mülkke sahiplenüv",
    ),
    "destroying or seizing the enemy's property": (
        "знищення або захоплення майна супротивника",
        "уничтожение или захват имущества противника",
        "duşmannıñ mülkini yoq etüv ya da zapt etüv",
    ),
    "pillaging": ("мародерство", "мародёрство", "yağma"),
    "using protected persons as shields": (
        "використання осіб під захистом як щита",
        "использование покровительствуемых лиц в качестве щита",
        "qorçalanğan şahıslarnı qalqan olaraq qullanuv",
    ),
    "violation of the laws and customs of war (Criminal Code of Ukraine)": (
        "порушення законів та звичаїв війни (Кримінальний кодекс України)",
        "нарушение законов и обычаев войны (Уголовный кодекс Украины)",
        "cenk qanunlarını ve adetlerini bozuv (Ukrainanıñ Cinayet kodeksi)",
    ),
    "genocide (Criminal Code of Ukraine)": (
        "геноцид (Кримінальний кодекс України)",
        "геноцид (Уголовный кодекс Украины)",
        "genotsid (Ukrainanıñ Cinayet kodeksi)",
    ),
}

# The reported categories in Crimean Tatar (uk and ru live in evidence/taxonomy.py).
CRH_CATEGORIES: dict[str, str] = {
    "taken away / deported": "alıp kettiler / sürgün ettiler",
    "children taken to a camp or away": "balalarnı lagerge ya da başqa yerge alıp kettiler",
    "forced to join the army": "orduğa kirmege mecbur ettiler",
    "detained / disappeared": "tuttılar / insan ğayıp oldı",
    "beaten or tortured": "urdılar ya da qıynadılar",
    "filtration / checkpoint search": "filtratsiya / blok-postta axtaruv",
    "sexual violence": "cinsiy zorbalıq",
    "someone was killed": "birini öldürdiler",
    "attack on civilians or a school, hospital, church": "sivillerge ya da mektep, hastahane, cami-kilisege ücüm",
    "property taken or destroyed": "mülkni aldılar ya da yoq ettiler",
    "people used as shields": "insanlarnı qalqan olaraq qullandılar",
    "forced passport, language, schooling": "mecburiy pasport, til, mektep",
    "something else": "başqa bir şey",
}

# Plural messages: (singular, plural) → (uk 3 forms, ru 3 forms, crh 2 forms: a Turkic noun
# does not change after a numeral, so both crh forms are the same).
PLURALS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    ("%(n)d report", "%(n)d reports"): (
        ("%(n)d повідомлення", "%(n)d повідомлення", "%(n)d повідомлень"),
        ("%(n)d сообщение", "%(n)d сообщения", "%(n)d сообщений"),
        ("%(n)d haber", "%(n)d haber"),
    ),
    ("%(n)d new report", "%(n)d new reports"): (
        ("%(n)d нове повідомлення", "%(n)d нові повідомлення", "%(n)d нових повідомлень"),
        ("%(n)d новое сообщение", "%(n)d новых сообщения", "%(n)d новых сообщений"),
        ("%(n)d yañı haber", "%(n)d yañı haber"),
    ),
    ("%(n)d byte", "%(n)d bytes"): (
        ("%(n)d байт", "%(n)d байти", "%(n)d байтів"),
        ("%(n)d байт", "%(n)d байта", "%(n)d байт"),
        ("%(n)d bayt", "%(n)d bayt"),
    ),
    ("%(n)d queued reply sent", "%(n)d queued replies sent"): (
        ("надіслано %(n)d відповідь із черги", "надіслано %(n)d відповіді з черги", "надіслано %(n)d відповідей із черги"),
        ("отправлен %(n)d ответ из очереди", "отправлено %(n)d ответа из очереди", "отправлено %(n)d ответов из очереди"),
        ("sıradan %(n)d cevap yiberildi", "sıradan %(n)d cevap yiberildi"),
    ),
    ("%(n)d reply still waiting for the drop", "%(n)d replies still waiting for the drop"): (
        ("%(n)d відповідь ще чекає на сервер прийому", "%(n)d відповіді ще чекають на сервер прийому", "%(n)d відповідей ще чекають на сервер прийому"),
        ("%(n)d ответ ещё ждёт сервер приёма", "%(n)d ответа ещё ждут сервер приёма", "%(n)d ответов ещё ждут сервер приёма"),
        ("%(n)d cevap ale qabul serverini bekley", "%(n)d cevap ale qabul serverini bekley"),
    ),
    ("%(n)d envelope could not be opened and was set aside", "%(n)d envelopes could not be opened and were set aside"): (
        ("%(n)d конверт не вдалося відкрити, його відкладено", "%(n)d конверти не вдалося відкрити, їх відкладено", "%(n)d конвертів не вдалося відкрити, їх відкладено"),
        ("%(n)d конверт не удалось открыть, он отложен", "%(n)d конверта не удалось открыть, они отложены", "%(n)d конвертов не удалось открыть, они отложены"),
        ("%(n)d zarf açılıp olmadı ve bir kenarğa qoyuldı", "%(n)d zarf açılıp olmadı ve bir kenarğa qoyuldı"),
    ),
    ("Show %(n)d more preview", "Show %(n)d more previews"): (
        ("Показати ще %(n)d мініатюру", "Показати ще %(n)d мініатюри", "Показати ще %(n)d мініатюр"),
        ("Показать ещё %(n)d миниатюру", "Показать ещё %(n)d миниатюры", "Показать ещё %(n)d миниатюр"),
        ("Daa %(n)d kiçik resim köster", "Daa %(n)d kiçik resim köster"),
    ),
}


# Crimean Tatar (Latin script) for the strings of T. Written by the web desk's engineer, not
# yet reviewed by a native documentation team: see docs (the report asks for that review).
CRH: dict[str, str] = {
    "Attachments": "İlâveler",
    "Capture claims (EXIF as data)": "Çekiliş malümatı (EXIF, malümat olaraq)",
    "Capture signature and hashes": "Çekiliş imzası ve heşler",
    "Categories": "Kategoriyalar",
    "Category": "Kategoriya",
    "Checks": "Teşkerüvler",
    "Confidence": "İşanç",
    "Custody log": "Saqlav jurnalı",
    "Desk passphrase": "İş yeriniñ parolı",
    "Download original (open only on an isolated machine)": "Aslını yükle (tek ayırılğan kompyuterde açıñız)",
    "Drop address": "Qabul serveriniñ adresi",
    "Drop log key": "Qabul serveri jurnalınıñ anahtarı",
    "Drop": "Qabul serveri",
    "Enrolled": "Qayd etildi",
    "FAILED": "KEÇMEDİ",
    "Filter": "Süz",
    "From": "Başlap",
    "Inbox": "Kelgenler",
    "Invitations": "Davetler",
    "Key fingerprint": "Anahtar izi",
    "Legal qualification": "Uquqiy tasnif",
    "Log consistency": "Jurnalnıñ uyğunlığı",
    "Log in": "Kir",
    "Log out": "Çıq",
    "Made": "Yapıldı",
    "Make a one-time invitation": "Bir kerelik davet yap",
    "New invitation — hand it over in person": "Yañı davet — onı şahsen beriñiz",
    "No attachments.": "İlâve yoq.",
    "No reports match.": "Uyğun haber yoq.",
    "No sources yet.": "Ale menba yoq.",
    "Not shown: this file could be hostile.": "Kösterilmedi: bu fayl zararlı olıp ola.",
    "Note": "Qayd",
    "Notes": "Qaydlar",
    "One-time code (if enabled)": "Bir kerelik kod (açıq olsa)",
    "Open the desk": "İş yerini aç",
    "Pseudonym": "Taqma ad",
    "Qualifications": "Tasnifler",
    "Receipt in the drop's log": "Qabul serveri jurnalındaki vesiqa",
    "Received": "Alındı",
    "Reply sent.": "Cevap yiberildi.",
    "Reply to the source": "Menbağa cevap",
    "Report": "Haber",
    "Reports are hostile until proven otherwise: never open originals on this machine.": "Aksi isbatlanmağance haberler tehlikeli sayılır: asılların bu kompyuterde asla açmañız.",
    "Reviewer": "Teşkerüvci",
    "Revoke key": "Anahtarnı keri al",
    "Save": "Saqla",
    "Saved.": "Saqlandı.",
    "Search": "Qıdıruv",
    "Send encrypted reply": "Şifrelengen cevap yiber",
    "Something was refused": "Areket red etildi",
    "Source": "Menba",
    "Sources": "Menbalar",
    "Status": "Durum",
    "To": "Qadar",
    "Too many attempts; wait a little.": "Pek çoq deneme; biraz bekleñiz.",
    "Triage": "İlk qıymetlendirüv",
    "Tysha desk": "Tışa: iş yeri",
    "Verification": "Teşkerüv",
    "When": "Ne vaqıt",
    "Where": "Nerede",
    "Written": "Yazıldı",
    "Wrong one-time code.": "Yañlış bir kerelik kod.",
    "Wrong passphrase.": "Yañlış parol.",
    "all": "episi",
    "capture not verified": "çekiliş tasdıqlanmadı",
    "capture verified": "çekiliş tasdıqlandı",
    "desk": "iş yeri",
    "entry": "yazı",
    "high": "yüksek",
    "low": "alçaq",
    "medium": "orta",
    "revoked key: do not trust": "anahtar keri alındı: işanmañız",
    "revoked": "keri alındı",
    "verified": "teşkerildi",
    "words in the text or place": "metindeki ya da yerdeki sözler",
    "new": "yañı",
    "reviewing": "baqıla",
    "escalated": "yuqarığa berildi",
    "Protected field": "Qorçalanğan saa",
    "Real name (only if you must; stored encrypted, never exported)": "Aqiqiy adı (tek mecbur olsañız; şifrelengen saqlana, asla tışarı çıqarılmay)",
    "sealed into the outbox.": "çıqacaqlarğa möhürlendi.",
    "enrolled. Compare this fingerprint with your handler, in person:": "qayd etildi. Bu izni küratorıñız ile şahsen teñeştiriñiz:",
    "the original files are still on this device. Remove them yourself, or run again with --shred-originals (best effort on flash storage).": "asıl fayllar ale bu cihazda. Olarnı özüñiz siliñiz ya da --shred-originals ile kene işletiñiz (flaş hatırada kefaletsiz).",
    "the originals were overwritten and removed. On phones and USB flash this is best effort: old copies may survive inside the storage chip.": "asıllar üstünden yazılıp silindi. Telefonlarda ve USB flaşta bu kefaletsiz: eski nushalar hatıra çipinde qalıp ola.",
    "sent {sent}, receipts verified; {waiting} still waiting": "{sent} yiberildi, vesiqalar teşkerildi; {waiting} ale bekley",
    "vault ready: {size} bytes": "saqlayıcı azır: {size} bayt",
    "done.": "azır.",
}

# Cases and corroboration (issue 12): incidents, suggestions, timeline, map. (uk, ru, crh); the
# Crimean Tatar is the cases engineer's, not yet reviewed by a native documentation team.
CASES: dict[str, tuple[str, str, str]] = {
    "Acts": ("Дії", "Действия", "Areketler"),
    "Add an act": ("Додати дію", "Добавить действие", "Areket ekle"),
    "Age group": ("Вікова група", "Возрастная группа", "Yaş gruppası"),
    "Attach reports": ("Додати повідомлення", "Добавить сообщения", "Haberlerni qoş"),
    "Children among the victims": (
        "Серед постраждалих є діти",
        "Среди пострадавших есть дети",
        "Zarar körgenler arasında balalar bar",
    ),
    "Create incident": ("Створити інцидент", "Создать инцидент", "Hadise yarat"),
    "Edit": ("Змінити", "Изменить", "Deñiştir"),
    "Edit act": ("Змінити дію", "Изменить действие", "Areketni deñiştir"),
    "Incident": ("Інцидент", "Инцидент", "Hadise"),
    "Incidents": ("Інциденти", "Инциденты", "Hadiseler"),
    "Insignia": ("Розпізнавальні знаки", "Опознавательные знаки", "Nışanlar"),
    "Latitude": ("Широта", "Широта", "Kenişlik"),
    "Longitude": ("Довгота", "Долгота", "Uzunlıq"),
    "Map": ("Мапа", "Карта", "Harita"),
    "New incident": ("Новий інцидент", "Новый инцидент", "Yañı hadise"),
    "No acts yet.": ("Дій ще немає.", "Действий пока нет.", "Areketler ale yoq."),
    "No incidents yet.": ("Інцидентів ще немає.", "Инцидентов пока нет.", "Hadiseler ale yoq."),
    "No suggestions.": ("Пропозицій немає.", "Предложений нет.", "Teklifler yoq."),
    "Nothing with coordinates yet.": (
        "Ще немає нічого з координатами.",
        "Пока нет ничего с координатами.",
        "Koordinatlı bir şey ale yoq.",
    ),
    "Number of victims": ("Кількість постраждалих", "Число пострадавших", "Zarar körgenler sayısı"),
    "Offline map (Natural Earth outlines): a dashed circle is the place's precision, not an exact point.": (
        "Офлайн-мапа (контури Natural Earth): пунктирне коло — точність місця, а не точна точка.",
        "Офлайн-карта (контуры Natural Earth): пунктирный круг — точность места, а не точная точка.",
        "Oflayn harita (Natural Earth sıñırları): noqtalı dane yerniñ doğrulığıdır, tam noqta degil.",
    ),
    "Perpetrators (as described)": (
        "Виконавці (як їх описано)",
        "Исполнители (как их описали)",
        "Yapıcılar (tarif etilgeni kibi)",
    ),
    "Photos compared: {n}": ("Порівняно фото: {n}", "Сравнено фото: {n}", "Qıyaslanğan suretler: {n}"),
    "Precision (metres)": ("Точність (метри)", "Точность (метры)", "Doğrulıq (metr)"),
    "Protected details (sealed; leave the desk only by a recorded decision)": (
        "Захищені відомості (зашифровані; залишають робоче місце лише за записаним рішенням)",
        "Защищённые сведения (зашифрованы; покидают рабочее место только по записанному решению)",
        "Qorçalanğan malümat (şifrelengen; iş yerinden tek yazılğan qarar ile çıqa)",
    ),
    "Qualify": ("Кваліфікувати", "Квалифицировать", "Tasnif et"),
    "Rank": ("Звання", "Звание", "Rütbe"),
    "Report ids (separated by spaces)": (
        "Ідентифікатори повідомлень (через пробіл)",
        "Идентификаторы сообщений (через пробел)",
        "Haber kimlikleri (boşluq ile ayırıp)",
    ),
    "Reports": ("Повідомлення", "Сообщения", "Haberler"),
    "Sex": ("Стать", "Пол", "Cınıs"),
    "Suggestions": ("Пропозиції", "Предложения", "Teklifler"),
    "Suggestions to review, never merged automatically: confirm one into an incident if it holds.": (
        "Пропозиції для перевірки, ніколи не об'єднуються автоматично: підтвердьте їх як інцидент, якщо вони слушні.",
        "Предложения для проверки, никогда не объединяются автоматически: подтвердите их как инцидент, если они верны.",
        "Teşkerüv içün teklifler, asla özü birleşmey: doğru olsa, hadise olaraq tasdıqlañız.",
    ),
    "Support": ("Підтвердження", "Подтверждение", "Tasdıq"),
    "Supporting reports": ("Повідомлення, що підтверджують", "Подтверждающие сообщения", "Tasdıqlağan haberler"),
    "Timeline": ("Хронологія", "Хронология", "Vaqıt sırası"),
    "Title": ("Назва", "Название", "Serlevha"),
    "Unit": ("Підрозділ", "Подразделение", "Bölük"),
    "Until": ("До", "По", "Qadar"),
    "Vehicles": ("Техніка", "Техника", "Naqliye"),
    "Victims": ("Постраждалі", "Пострадавшие", "Zarar körgenler"),
    "Why": ("Чому", "Почему", "Ne içün"),
    "children": ("діти", "дети", "balalar"),
    "near-duplicate photos (distance {d} of 256)": (
        "майже однакові фото (відстань {d} з 256)",
        "почти одинаковые фото (расстояние {d} из 256)",
        "deerli aynı suretler (256-dan {d} mesafe)",
    ),
    "protected details sealed": ("захищені відомості зашифровано", "защищённые сведения зашифрованы", "qorçalanğan malümat şifrelendi"),
    "same category": ("та сама категорія", "та же категория", "aynı kategoriya"),
    "same unit": ("той самий підрозділ", "то же подразделение", "aynı bölük"),
    "supported by {n} reports from {k} independent sources": (
        "підтверджено повідомленнями: {n}, незалежних джерел: {k}",
        "подтверждено сообщениями: {n}, независимых источников: {k}",
        "tasdıqlağan haberler: {n}, mustaqil menbalar: {k}",
    ),
    "the same file in {n} reports": (
        "той самий файл у повідомленнях: {n}",
        "тот же файл в сообщениях: {n}",
        "aynı fayl haberlerde: {n}",
    ),
    "{n} reports close in time and place": (
        "повідомлення, близькі за часом і місцем: {n}",
        "сообщения, близкие по времени и месту: {n}",
        "vaqıt ve yer boyunca yaqın haberler: {n}",
    ),
    "child": ("дитина", "ребёнок", "bala"),
    "adult": ("дорослий", "взрослый", "büyük"),
    "elderly": ("літня людина", "пожилой человек", "qart"),
    "unknown": ("невідомо", "неизвестно", "belgisiz"),
    "female": ("жіноча", "женский", "qadın"),
    "male": ("чоловіча", "мужской", "erkek"),
    "other": ("інша", "другой", "diger"),
    "one is a cropped copy": ("одне з них — обрізана копія", "одно из них — обрезанная копия", "biri kesilgen kopiya"),
    "videos share {n} frames (at {a} and {b})": (
        "відео мають спільні кадри: {n} (на {a} і {b})",
        "у видео общие кадры: {n} (на {a} и {b})",
        "videolarnıñ ortaq kadrları: {n} ({a} ve {b})",
    ),
    "frame at {t} of a video matches a photo": (
        "кадр на {t} відео збігається з фото",
        "кадр на {t} видео совпадает с фото",
        "videonıñ {t} kadrı suretke uyğun",
    ),
    "distance {d} of 256": ("відстань {d} з 256", "расстояние {d} из 256", "256-dan {d} mesafe"),
    "videos compared: {n} ({f} frames)": (
        "порівняно відео: {n} (кадрів: {f})",
        "сравнено видео: {n} (кадров: {f})",
        "qıyaslanğan videolar: {n} (kadrlar: {f})",
    ),
    "Videos not fully read (damaged, too large or too slow to decode):": (
        "Відео, прочитані не повністю (пошкоджені, завеликі або надто повільні для декодування):",
        "Видео, прочитанные не полностью (повреждены, слишком велики или слишком медленно декодируются):",
        "Tam oqulmağan videolar (zararlı, pek büyük ya da pek yavaş açılğan):",
    ),
}

# Where a report came from (issue 11, desk/views.py CLIENT_LABELS): (uk, ru, crh). The Crimean
# Tatar is the source-page engineer's, not yet reviewed by a native speaker.
SOURCE_PAGE: dict[str, tuple[str, str, str]] = {
    "Sent from": ("Надіслано з", "Отправлено из", "Nereden yiberildi"),
    "the browser page": ("сторінки в браузері", "страницы в браузере", "brauzerdeki saifeden"),
    "the app": ("програми", "приложения", "programmadan"),
    "Handler's name on the invitation": ("Ім'я куратора в запрошенні", "Имя куратора в приглашении",
                                         "Davetnamedeki kuratornıñ adı"),
    "handler's name: {name}": ("ім'я куратора: {name}", "имя куратора: {name}",
                               "kuratornıñ adı: {name}"),
}

# Issue 12, the interactive map, the share preview and the escrow desk's cell count (wt-map).
MAP: dict[str, tuple[str, str, str]] = {
    "The same on the map": ("Те саме на мапі", "То же на карте", "Aynısı haritada"),
    "The same on the timeline": ("Те саме в хронології", "То же в хронологии", "Aynısı hronologiyada"),
    "Outlines: Natural Earth (public domain)": (
        "Контури: Natural Earth (суспільне надбання)",
        "Контуры: Natural Earth (общественное достояние)",
        "Sıñırlar: Natural Earth (umumiy mülk)",
    ),
    "Share with an analyst desk": (
        "Поділитися з робочим місцем аналітика",
        "Поделиться с рабочим местом аналитика",
        "Analitik iş yerinen paylaşmaq",
    ),
    "{k} independent sources / {n} cells": (
        "незалежних джерел: {k} / осередків: {n}",
        "независимых источников: {k} / ячеек: {n}",
        "müstaqil menbalar: {k} / hüceyreler: {n}",
    ),
    "Share": ("Поділитися", "Поделиться", "Paylaşmaq"),
    "The analyst sees the evidence, never who reported it: no source key, pseudonym or protected detail is sent, and free text only where you approve it on the next page.": (
        "Аналітик бачить докази, але ніколи — хто повідомив: ключ джерела, псевдонім і захищені відомості не надсилаються, а вільний текст — лише там, де ви дозволите на наступній сторінці.",
        "Аналитик видит доказательства, но никогда — кто сообщил: ключ источника, псевдоним и защищённые сведения не отправляются, а свободный текст — только там, где вы разрешите на следующей странице.",
        "Analitik delillerni köre, amma kim bildirgenini asla körmey: menba anahtarı, taqma adı ve qorçalanğan malümat yiberilmey, serbest metin ise tek soñki saifede siz izin bergen yerde yiberile.",
    ),
    "The analyst desk's public key (exchanged in person and compared)": (
        "Публічний ключ робочого місця аналітика (обміняний особисто й звірений)",
        "Публичный ключ рабочего места аналитика (обменян лично и сверен)",
        "Analitik iş yeriniñ açıq anahtarı (şahsen deñiştirilgen ve tengleştirilgen)",
    ),
    "none: the reports below": (
        "жодного: повідомлення нижче",
        "никакого: сообщения ниже",
        "yoq: aşağıdaki bildirimler",
    ),
    "Reports (ids, separated by spaces)": (
        "Повідомлення (ідентифікатори через пробіл)",
        "Сообщения (идентификаторы через пробел)",
        "Bildirimler (boşluq ile ayırılğan identifikatorlar)",
    ),
    "Preview what will be sent": (
        "Переглянути, що буде надіслано",
        "Просмотреть, что будет отправлено",
        "Ne yiberilecegini körmek",
    ),
    "Preview: exactly what will be sealed": (
        "Попередній перегляд: саме те, що буде запечатано",
        "Предпросмотр: именно то, что будет запечатано",
        "Ög körüniş: tam mühürlenecek şey",
    ),
    "The reports changed since the preview. Nothing was sent; check this preview again.": (
        "Повідомлення змінилися після перегляду. Нічого не надіслано; перевірте цей перегляд ще раз.",
        "Сообщения изменились после просмотра. Ничего не отправлено; проверьте этот просмотр ещё раз.",
        "Bildirimler ög körünişten soñ deñiştiler. Hiç bir şey yiberilmedi; bu ög körünişni kene teşkeriñiz.",
    ),
    "To the analyst desk {fp}, de-identified.": (
        "Робочому місцю аналітика {fp}, знеособлено.",
        "Рабочему месту аналитика {fp}, обезличенно.",
        "Analitik iş yerine {fp}, şahsiyetsizleştirilip.",
    ),
    "No source key, pseudonym, enrolment secret or protected detail is sent.": (
        "Ключ джерела, псевдонім, секрет запрошення й захищені відомості не надсилаються.",
        "Ключ источника, псевдоним, секрет приглашения и защищённые сведения не отправляются.",
        "Menba anahtarı, taqma adı, davet sırrı ve qorçalanğan malümat yiberilmey.",
    ),
    "Source label (this analyst only)": (
        "Мітка джерела (лише для цього аналітика)",
        "Метка источника (только для этого аналитика)",
        "Menba etiketi (tek bu analitik içün)",
    ),
    "Checked by this desk": (
        "Перевірено цим робочим місцем",
        "Проверено этим рабочим местом",
        "Bu iş yeri teşkerdi",
    ),
    "Originals (re-attested by this desk)": (
        "Оригінали (повторно засвідчені цим робочим місцем)",
        "Оригиналы (повторно заверенные этим рабочим местом)",
        "Asıllar (bu iş yeri tarafından kene tasdıqlanğan)",
    ),
    "Free text: not sent unless you tick the box": (
        "Вільний текст: не надсилається, якщо ви не поставите позначку",
        "Свободный текст: не отправляется, если вы не поставите отметку",
        "Serbest metin: belgi qoymasañız yiberilmey",
    ),
    "I have read this text; it names no one who must stay hidden: send it": (
        "Я прочитав цей текст; у ньому не названо нікого, хто має лишатися прихованим: надіслати",
        "Я прочитал этот текст; в нём не назван никто, кто должен оставаться скрытым: отправить",
        "Bu metinni oqudım; onda gizli qalmalı kimse adlanmay: yiber",
    ),
    "the capture signature": ("підпис під час зйомки", "подпись при съёмке", "çekim vaqtındaki imza"),
    "the drop's receipt": ("квитанцію сервера прийому", "квитанцию сервера приёма", "qabul serveriniñ makbuzı"),
    "Cell (the handler desk that enrolled this source)": (
        "Осередок (робоче місце куратора, що зареєструвало це джерело)",
        "Ячейка (рабочее место куратора, которое зарегистрировало этот источник)",
        "Hüceyre (bu menbanı qayd etken kurator iş yeri)",
    ),
    "Seal and send": ("Запечатати й надіслати", "Запечатать и отправить", "Mühürlep yibermek"),
    "Shared": ("Надіслано", "Отправлено", "Paylaşıldı"),
    "{n} reports sealed and sent to the analyst desk {fp}.": (
        "Повідомлень запечатано й надіслано робочому місцю аналітика {fp}: {n}.",
        "Сообщений запечатано и отправлено рабочему месту аналитика {fp}: {n}.",
        "Analitik iş yerine {fp} mühürlenip yiberilgen bildirimler: {n}.",
    ),
    "With their text (approved): {ids}": (
        "З текстом (дозволено): {ids}",
        "С текстом (разрешено): {ids}",
        "Metini ile (izin berilgen): {ids}",
    ),
}


# Provenance (issue 14): ProofMode proofs and C2PA manifests on the report page. (uk, ru, crh);
# the Crimean Tatar is the provenance engineer's, not yet reviewed by a native team.
PROVENANCE: dict[str, tuple[str, str, str]] = {
    "Provenance": ("Походження", "Происхождение", "Menşe"),
    "C2PA manifest": ("Маніфест C2PA", "Манифест C2PA", "C2PA manifesti"),
    "ProofMode proof": ("Доказ ProofMode", "Доказательство ProofMode", "ProofMode delili"),
    "valid": ("дійсний", "действителен", "doğru"),
    "signature valid, signer not in the trust list": (
        "підпис дійсний, підписанта немає в списку довіри",
        "подпись действительна, подписанта нет в списке доверия",
        "imza doğru, imzalağan işanç listesinde yoq",
    ),
    "INVALID": ("НЕДІЙСНИЙ", "НЕДЕЙСТВИТЕЛЕН", "DOĞRU DEGİL"),
    "not checked": ("не перевірено", "не проверено", "teşkerilmedi"),
    "Signer": ("Підписант", "Подписант", "İmzalağan"),
    "Signer key": ("Ключ підписанта", "Ключ подписанта", "İmzalağannıñ anahtarı"),
    "Issuer": ("Видавець сертифіката", "Издатель сертификата", "Sertifikat bergen"),
    "Made with": ("Створено програмою", "Создано программой", "Yapılğan programma"),
    "Signed at (as claimed)": ("Підписано (як заявлено)", "Подписано (как заявлено)", "İmzalanğan vaqıt (bildirilgeni kibi)"),
    "Signature": ("Підпис", "Подпись", "İmza"),
    "as claimed": ("як заявлено", "как заявлено", "bildirilgeni kibi"),
    "The ProofMode bundle was imported and verified.": (
        "Пакет ProofMode імпортовано й перевірено.",
        "Пакет ProofMode импортирован и проверен.",
        "ProofMode paketi alındı ve teşkerildi.",
    ),
    "The ProofMode bundle was imported, but a proof in it does not verify: see the attachments.": (
        "Пакет ProofMode імпортовано, але доказ у ньому не проходить перевірку: див. вкладення.",
        "Пакет ProofMode импортирован, но доказательство в нём не проходит проверку: см. вложения.",
        "ProofMode paketi alındı, amma içindeki delil teşkerüvden keçmey: ilâvelerge baqıñız.",
    ),
    "Not imported:": ("Не імпортовано:", "Не импортировано:", "Alınmadı:"),
    "ProofMode proof bundle (zip)": ("Пакет доказів ProofMode (zip)", "Пакет доказательств ProofMode (zip)", "ProofMode delil paketi (zip)"),
    "Import and check": ("Імпортувати й перевірити", "Импортировать и проверить", "Al ve teşker"),
    "provenance imported": ("походження імпортовано", "происхождение импортировано", "menşe alındı"),
    "C2PA manifest checked": ("маніфест C2PA перевірено", "манифест C2PA проверен", "C2PA manifesti teşkerildi"),
    "C2PA trust anchors set": ("задано кореневі сертифікати C2PA", "заданы корневые сертификаты C2PA", "C2PA işanç sertifikatları berildi"),
}


# ---------------------------------------------------------------------------------------------
# The command line (issue 10, "an interface that speaks the handler's language"): every message
# of `tysha desk|drop|verify|witness|courier|source|demo`, its errors and hints, and the table
# that src/tysha/cli.py kept beside the catalogs (moved here: one source of truth). (uk, ru,
# crh); the Crimean Tatar is the CLI engineer's, not yet reviewed by a native documentation team.
CLI: dict[str, tuple[str, str, str]] = {
    # describe_error (src/tysha/cli.py): what an OS or codec error means, and what to do
    "{path} does not exist": ("{path} не існує", "{path} не существует", "{path} yoq"),
    "{path} is a folder, not a file": (
        "{path} — це тека, а не файл",
        "{path} — это папка, а не файл",
        "{path} — bu papka, fayl degil",
    ),
    "a part of the path {path} is a file, not a folder": (
        "частина шляху {path} — це файл, а не тека",
        "часть пути {path} — это файл, а не папка",
        "{path} yolunıñ bir parçası fayl, papka degil",
    ),
    "{path} cannot be read or written (permission denied)": (
        "{path} не можна прочитати чи записати (доступ заборонено)",
        "{path} нельзя прочитать или записать (доступ запрещён)",
        "{path} oqulıp ya da yazılıp olamay (izin yoq)",
    ),
    "{path} already exists": ("{path} вже існує", "{path} уже существует", "{path} endi bar"),
    "the disk is full": ("диск заповнений", "диск заполнен", "disk tolu"),
    "the disk is read-only": (
        "диск доступний лише для читання",
        "диск доступен только для чтения",
        "disk tek oqumaq içün",
    ),
    "the file is not text (it holds binary data)": (
        "файл не текстовий (містить двійкові дані)",
        "файл не текстовый (содержит двоичные данные)",
        "fayl metin degil (içinde ikilik malümat bar)",
    ),
    "the system refused the operation on {path}": (
        "система відмовила в операції з {path}",
        "система отказала в операции с {path}",
        "sistema {path} ile amelni red etti",
    ),
    "interrupted": ("перервано", "прервано", "kesildi"),
    "not enough memory for this operation": (
        "недостатньо пам'яті для цієї операції",
        "недостаточно памяти для этой операции",
        "bu amel içün hafıza yetmey",
    ),
    "an unexpected internal error stopped the command": (
        "несподівана внутрішня помилка зупинила команду",
        "неожиданная внутренняя ошибка остановила команду",
        "beklenmegen içki hata emirni toqtattı",
    ),
    "check the path and its spelling": (
        "перевірте шлях і його написання",
        "проверьте путь и его написание",
        "yolnı ve onıñ yazılışını teşkeriñiz",
    ),
    "give the path of a file": ("вкажіть шлях до файлу", "укажите путь к файлу", "bir faylnıñ yolunı beriñiz"),
    "check the path": ("перевірте шлях", "проверьте путь", "yolnı teşkeriñiz"),
    "check the owner and permissions of the file or folder": (
        "перевірте власника і права доступу до файлу чи теки",
        "проверьте владельца и права доступа к файлу или папке",
        "fayl ya da papkanıñ saibini ve izinlerini teşkeriñiz",
    ),
    "choose another name, or move the existing one away first": (
        "виберіть іншу назву або спершу перемістіть наявний",
        "выберите другое имя или сначала переместите существующий",
        "başqa ad saylañız ya da evelâ bar olanını başqa yerge avuştırıñız",
    ),
    "free some disk space and try again; nothing was changed": (
        "звільніть місце на диску і спробуйте ще раз; нічого не змінено",
        "освободите место на диске и попробуйте снова; ничего не изменено",
        "diskte biraz yer boşatıñız ve kene deñeñiz; hiç bir şey deñiştirilmedi",
    ),
    "use a writable location": (
        "виберіть місце, доступне для запису",
        "выберите место, доступное для записи",
        "yazmaq mümkün olğan yerni saylañız",
    ),
    "give the file the command expects; see the command's --help": (
        "вкажіть файл, який очікує команда; див. --help команди",
        "укажите файл, который ожидает команда; см. --help команды",
        "emir beklegen faylnı beriñiz; emirniñ --help yardımına baqıñız",
    ),
    "check the passphrase (scripts: TYSHA_PASSPHRASE) and try again": (
        "перевірте парольну фразу (у скриптах: TYSHA_PASSPHRASE) і спробуйте ще раз",
        "проверьте парольную фразу (в скриптах: TYSHA_PASSPHRASE) и попробуйте снова",
        "parol ibaresini teşkeriñiz (skriptlerde: TYSHA_PASSPHRASE) ve kene deñeñiz",
    ),
    "close other programs or use a smaller file": (
        "закрийте інші програми або візьміть менший файл",
        "закройте другие программы или возьмите файл поменьше",
        "başqa programmalarnı qapatıñız ya da daa kiçik fayl alıñız",
    ),
    "this is a bug in Tysha: run again with TYSHA_DEBUG=1 for details, and report it without personal data": (
        "це вада Tysha: запустіть ще раз з TYSHA_DEBUG=1, щоб побачити подробиці, і повідомте про неї без особистих даних",
        "это ошибка Tysha: запустите снова с TYSHA_DEBUG=1, чтобы увидеть подробности, и сообщите о ней без личных данных",
        "bu Tysha-nıñ hatası: tafsilât içün TYSHA_DEBUG=1 ile kene işletiñiz ve şahsiy malümat olmadan bildiriñiz",
    ),
    # the hints of the error families and kinds (tysha.errors)
    "the data is malformed, truncated or from an incompatible version": (
        "дані пошкоджені, обрізані або з несумісної версії",
        "данные повреждены, обрезаны или из несовместимой версии",
        "malümat bozuq, kesik ya da uyğun olmağan versiyadan",
    ),
    "do not trust this item; keep it aside and tell your handler or auditor": (
        "не довіряйте цьому; відкладіть окремо і повідомте куратора чи аудитора",
        "не доверяйте этому; отложите отдельно и сообщите куратору или аудитору",
        "buña işanmañız; ayrı qoyuñız ve kuratoruñızğa ya da auditorğa bildiriñiz",
    ),
    "check the path, free disk space and the passphrase": (
        "перевірте шлях, вільне місце на диску і парольну фразу",
        "проверьте путь, свободное место на диске и парольную фразу",
        "yolnı, diskte boş yerni ve parol ibaresini teşkeriñiz",
    ),
    "the drop may be unreachable; nothing was lost, try again later": (
        "сервер прийому може бути недоступний; нічого не втрачено, спробуйте пізніше",
        "сервер приёма может быть недоступен; ничего не потеряно, попробуйте позже",
        "qabul serverine barılıp olmay ola; hiç bir şey ğayıp olmadı, soñra kene deñeñiz",
    ),
    "check the command's options and environment variables": (
        "перевірте параметри команди і змінні середовища",
        "проверьте параметры команды и переменные окружения",
        "emirniñ parametrlerini ve muhit deñişkenlerini teşkeriñiz",
    ),
    "the drop refused the request; the item is kept and can be sent again": (
        "сервер прийому відхилив запит; елемент збережено, його можна надіслати знову",
        "сервер приёма отклонил запрос; элемент сохранён, его можно отправить снова",
        "qabul serveri rica red etti; element saqlandı, onı kene yibermek mümkün",
    ),
    "check the name or id (the list command shows what exists)": (
        "перевірте назву чи ідентифікатор (команда list показує наявні)",
        "проверьте имя или идентификатор (команда list показывает существующие)",
        "adnı ya da identifikatornı teşkeriñiz (list emiri bar olğanlarnı köstere)",
    ),
    "this desk's role or the item's state does not allow it": (
        "роль цього робочого місця або стан елемента не дозволяє цієї дії",
        "роль этого рабочего места или состояние элемента не разрешает этого действия",
        "bu iş yeriniñ rolü ya da elementniñ alı buña izin bermey",
    ),
    "check the passphrase (TYSHA_PASSPHRASE for scripts) and try again": (
        "перевірте парольну фразу (у скриптах: TYSHA_PASSPHRASE) і спробуйте ще раз",
        "проверьте парольную фразу (в скриптах: TYSHA_PASSPHRASE) и попробуйте снова",
        "parol ibaresini teşkeriñiz (skriptler içün: TYSHA_PASSPHRASE) ve kene deñeñiz",
    ),
    "see the command's --help for the accepted forms": (
        "допустимі форми див. у --help команди",
        "допустимые формы см. в --help команды",
        "qabul etilgen şekiller içün emirniñ --help yardımına baqıñız",
    ),
    # prompts and words
    "Again: ": ("Ще раз: ", "Ещё раз: ", "Kene bir kere: "),
    "Passphrase: ": ("Парольна фраза: ", "Парольная фраза: ", "Parol ibaresi: "),
    "New {what} (press Enter to get a generated one): ": (
        "Нова {what} (натисніть Enter, щоб отримати згенеровану): ",
        "Новая {what} (нажмите Enter, чтобы получить сгенерированную): ",
        "Yañı {what} (yaratılğanını almaq içün Enter basıñız): ",
    ),
    "Your {what}: {p}": ("Ваша {what}: {p}", "Ваша {what}: {p}", "Siziñ {what}: {p}"),
    "Learn it or write it down, then type it to confirm.": (
        "Запам'ятайте або запишіть її, потім введіть для підтвердження.",
        "Запомните или запишите её, затем введите для подтверждения.",
        "Onı ezberleñiz ya da yazıp alıñız, soñra tasdıqlamaq içün yazıñız.",
    ),
    "vault passphrase": ("парольна фраза сховища", "парольная фраза хранилища", "kassa parol ibaresi"),
    "decoy passphrase": ("парольна фраза-приманка", "парольная фраза-приманка", "aldatma parol ibaresi"),
    "yes": ("так", "да", "ebet"),
    "no": ("ні", "нет", "yoq"),
    "NO": ("НІ", "НЕТ", "YOQ"),
    "ok": ("гаразд", "в порядке", "tamam"),
    "note": ("примітка", "примечание", "qayd"),
    "UNPINNED": ("НЕ ЗАКРІПЛЕНО", "НЕ ЗАКРЕПЛЁН", "BEKİTİLMEGEN"),
    "FLAG": ("ПОЗНАЧКА", "ОТМЕТКА", "BELGİ"),
    "desk's assertion": ("твердження робочого місця", "утверждение рабочего места", "iş yeriniñ beyanı"),
    "QUEUED": ("У ЧЕРЗІ", "В ОЧЕРЕДИ", "SIRADA"),
    "REVOKED": ("ВІДКЛИКАНО", "ОТОЗВАН", "QAYTARIP ALINĞAN"),
    "NOT verified": ("НЕ перевірено", "НЕ проверена", "teşkerilmedi DEGİL"),
    "sending": ("надсилання", "отправка", "yiberile"),
    "delivering": ("доставлення", "доставка", "ketirile"),
    "text": ("текст", "текст", "metin"),
    "when": ("коли", "когда", "ne vaqıt"),
    "where": ("де", "где", "nerede"),
    "handler": ("куратор", "куратор", "kurator"),
    "escrow": ("депозитарій", "депозитарий", "emanetçi"),
    "analyst": ("аналітик", "аналитик", "analitik"),
    "name": ("назва", "имя", "ad"),
    "role": ("роль", "роль", "rol"),
    "fingerprint": ("відбиток", "отпечаток", "parmaq izi"),
    "public_key": ("публічний ключ", "публичный ключ", "açıq anahtar"),
    "origin": ("назва журналу", "имя журнала", "jurnal adı"),
    "vkey": ("ключ перевірки", "ключ проверки", "teşkerüv anahtarı"),
    "tree_size": ("розмір дерева", "размер дерева", "terek büyükligi"),
    "root_hash": ("хеш кореня", "хеш корня", "tamır heşi"),
    "source_page_sha256": ("sha-256 сторінки джерела", "sha-256 страницы источника", "menba saifesiniñ sha-256"),
    "onion": ("onion-адреса", "onion-адрес", "onion adresi"),
    # tysha desk
    "desk {name} ({role}) ready. Fingerprint: {fp}": (
        "робоче місце {name} ({role}) готове. Відбиток: {fp}",
        "рабочее место {name} ({role}) готово. Отпечаток: {fp}",
        "{name} iş yeri ({role}) azır. Parmaq izi: {fp}",
    ),
    "drop {url}: answered at {address}": (
        "сервер прийому {url}: відповів за адресою {address}",
        "сервер приёма {url}: ответил по адресу {address}",
        "qabul serveri {url}: {address} adresinde cevap berdi",
    ),
    "replies: {sent} sent, {left} still queued": (
        "відповіді: надіслано {sent}, у черзі ще {left}",
        "ответы: отправлено {sent}, в очереди ещё {left}",
        "cevaplar: {sent} yiberildi, {left} ale sırada",
    ),
    "warning: {detail}": ("попередження: {detail}", "предупреждение: {detail}", "tenbi: {detail}"),
    "no reports": ("повідомлень немає", "сообщений нет", "haberler yoq"),
    "ID": ("ID", "ID", "ID"),
    "RECEIVED": ("ОТРИМАНО", "ПОЛУЧЕНО", "ALINDI"),
    "EVENT TIME": ("ЧАС ПОДІЇ", "ВРЕМЯ СОБЫТИЯ", "VAQİA VAQTI"),
    "CATEGORIES": ("КАТЕГОРІЇ", "КАТЕГОРИИ", "KATEGORİYALAR"),
    "STATUS": ("СТАТУС", "СТАТУС", "AL"),
    "FLAGS": ("ПОЗНАЧКИ", "ОТМЕТКИ", "BELGİLER"),
    "TEXT": ("ТЕКСТ", "ТЕКСТ", "METİN"),
    "Report {id}": ("Повідомлення {id}", "Сообщение {id}", "Haber {id}"),
    "status": ("статус", "статус", "al"),
    "trusted": ("довірене", "доверенное", "işanılğan"),
    "FLAG {code}: {reason}": ("ПОЗНАЧКА {code}: {reason}", "ОТМЕТКА {code}: {reason}", "BELGİ {code}: {reason}"),
    "detail: {detail}": ("подробиця: {detail}", "подробность: {detail}", "tafsilât: {detail}"),
    "key {fp}": ("ключ {fp}", "ключ {fp}", "anahtar {fp}"),
    "categories": ("категорії", "категории", "kategoriyalar"),
    "received": ("отримано", "получено", "alındı"),
    "source": ("джерело", "источник", "menba"),
    "capture verified": ("зйомку перевірено", "съёмка проверена", "çekiliş teşkerildi"),
    "receipt verified": ("квитанцію перевірено", "квитанция проверена", "vesiqa teşkerildi"),
    "log consistent": ("журнал узгоджений", "журнал согласован", "jurnal uyğun"),
    "drop": ("сервер прийому", "сервер приёма", "qabul serveri"),
    "log index {index}": ("індекс у журналі {index}", "индекс в журнале {index}", "jurnalda indeks {index}"),
    "envelope sha-256": ("sha-256 конверта", "sha-256 конверта", "zarfnıñ sha-256"),
    "attachment {n}: {name} ({media_type}, {size}) sha-256 {sha256}  capture {state}": (
        "вкладення {n}: {name} ({media_type}, {size}) sha-256 {sha256}  зйомку {state}",
        "вложение {n}: {name} ({media_type}, {size}) sha-256 {sha256}  съёмка {state}",
        "ilâve {n}: {name} ({media_type}, {size}) sha-256 {sha256}  çekiliş {state}",
    ),
    "qualification: {code} ({confidence}) by {reviewer} on {at}": (
        "кваліфікація: {code} ({confidence}), {reviewer}, {at}",
        "квалификация: {code} ({confidence}), {reviewer}, {at}",
        "kvalifikatsiya: {code} ({confidence}), {reviewer}, {at}",
    ),
    "note by {author} at {at}: {text}": (
        "нотатка від {author} о {at}: {text}",
        "заметка от {author} в {at}: {text}",
        "{author} qaydı, {at}: {text}",
    ),
    "sent {at}": ("надіслано {at}", "отправлен {at}", "yiberildi {at}"),
    "reply written {at} ({state}): {text}": (
        "відповідь написано {at} ({state}): {text}",
        "ответ написан {at} ({state}): {text}",
        "cevap yazıldı {at} ({state}): {text}",
    ),
    "custody:": ("журнал зберігання:", "журнал хранения:", "saqlav jurnalı:"),
    "reply sent; in the drop's log at index {index}": (
        "відповідь надіслано; у журналі сервера прийому під індексом {index}",
        "ответ отправлен; в журнале сервера приёма под индексом {index}",
        "cevap yiberildi; qabul serveriniñ jurnalında {index} indeksinde",
    ),
    "answered at {address}": ("відповів за адресою {address}", "ответил по адресу {address}", "{address} adresinde cevap berdi"),
    "the drop did not take it": (
        "сервер прийому її не прийняв",
        "сервер приёма его не принял",
        "qabul serveri onı almadı",
    ),
    "reply queued, not sent yet ({why}); `tysha desk send` or the next `tysha desk fetch` sends it": (
        "відповідь у черзі, ще не надіслана ({why}); її надішле `tysha desk send` або наступний `tysha desk fetch`",
        "ответ в очереди, ещё не отправлен ({why}); его отправит `tysha desk send` или следующий `tysha desk fetch`",
        "cevap sırada, ale yiberilmedi ({why}); onı `tysha desk send` ya da soñraki `tysha desk fetch` yiberir",
    ),
    "Revoke {source}? Its reports will be flagged as untrusted.": (
        "Відкликати {source}? Повідомлення цього джерела буде позначено як недовірені.",
        "Отозвать {source}? Сообщения этого источника будут отмечены как недоверенные.",
        "{source} qaytarıp alınsınmı? Onıñ haberleri işanılmağan olaraq belgilenecek.",
    ),
    "{source} revoked": ("{source}: ключ відкликано", "{source}: ключ отозван", "{source}: anahtar qaytarıp alındı"),
    "Restore {source}? Its reports will be trusted again.": (
        "Відновити {source}? Повідомленням цього джерела знову довірятимуть.",
        "Восстановить {source}? Сообщениям этого источника снова будут доверять.",
        "{source} tiklensinmi? Onıñ haberlerine kene işanılacaq.",
    ),
    "{source} restored": ("{source}: ключ відновлено", "{source}: ключ восстановлен", "{source}: anahtar tiklendi"),
    "one-time codes are no longer required": (
        "одноразові коди більше не потрібні",
        "одноразовые коды больше не требуются",
        "bir kerelik kodlar endi kerek degil",
    ),
    "Add this to your authenticator app (it is shown once):": (
        "Додайте це до застосунку автентифікації (показується один раз):",
        "Добавьте это в приложение аутентификации (показывается один раз):",
        "Bunı autentifikatsiya programmañızğa qoşuñız (tek bir kere kösterile):",
    ),
    "time-stamped": ("з позначкою часу", "с меткой времени", "vaqıt belgisi ile"),
    "the drop's witnessed checkpoint kept": (
        "засвідчену контрольну точку сервера прийому збережено",
        "заверенная контрольная точка сервера приёма сохранена",
        "qabul serveriniñ şaatlı kontrol noqtası saqlandı",
    ),
    "web desk on {url} (Ctrl-C to stop)": (
        "вебробоче місце на {url} (Ctrl-C — зупинити)",
        "веб-рабочее место на {url} (Ctrl-C — остановить)",
        "veb iş yeri {url} adresinde (toqtatmaq içün Ctrl-C)",
    ),
    "incident {id} created": ("інцидент {id} створено", "инцидент {id} создан", "{id} vaqiası yaratıldı"),
    "no incidents yet": ("інцидентів ще немає", "инцидентов пока нет", "ale vaqialar yoq"),
    "no suggestions": ("пропозицій немає", "предложений нет", "teklifler yoq"),
    "To the analyst desk {fp}, de-identified:": (
        "До робочого місця аналітика {fp}, знеособлено:",
        "На рабочее место аналитика {fp}, обезличенно:",
        "{fp} analitik iş yerine, şahsiyetsizleştirilip:",
    ),
    "report {id}: source label {label}, {categories}": (
        "повідомлення {id}: мітка джерела {label}, {categories}",
        "сообщение {id}: метка источника {label}, {categories}",
        "haber {id}: menba etiketi {label}, {categories}",
    ),
    "No source key, pseudonym, enrolment secret or protected detail is sent.": (
        "Ключ джерела, псевдонім, секрет підключення чи захищені подробиці не надсилаються.",
        "Ключ источника, псевдоним, секрет подключения и защищённые подробности не отправляются.",
        "Menba anahtarı, taqma ad, qoşuluv sırrı ya da qorçalanğan tafsilât yiberilmey.",
    ),
    "Share the free text shown above?": (
        "Поділитися вільним текстом, показаним вище?",
        "Поделиться свободным текстом, показанным выше?",
        "Yuqarıda kösterilgen serbest metin paylaşılsınmı?",
    ),
    "with their text": ("разом із текстом", "вместе с текстом", "metni ile birlikte"),
    "handler desk {fp} pinned": (
        "робоче місце куратора {fp} закріплено",
        "рабочее место куратора {fp} закреплено",
        "{fp} kurator iş yeri bekitildi",
    ),
    # tysha drop / witness
    "onion address: {address}": ("onion-адреса: {address}", "onion-адрес: {address}", "onion adresi: {address}"),
    "onion address: made when Tor reads it": (
        "onion-адреса: з'явиться, коли Tor прочитає налаштування",
        "onion-адрес: появится, когда Tor прочитает настройки",
        "onion adresi: Tor ayarlarnı oquğanda yaratılır",
    ),
    "note: the drop also listens on {host}, reachable without Tor; use --host 127.0.0.1 for an onion-only drop": (
        "примітка: сервер прийому також слухає на {host}, доступний без Tor; для лише onion-сервера вкажіть --host 127.0.0.1",
        "примечание: сервер приёма также слушает на {host}, доступен без Tor; для только onion-сервера укажите --host 127.0.0.1",
        "qayd: qabul serveri {host} adresinde de diñley, Tor olmadan barılır; tek onion serveri içün --host 127.0.0.1 beriñiz",
    ),
    "drop {origin} serving on port {port}": (
        "сервер прийому {origin} працює на порту {port}",
        "сервер приёма {origin} работает на порту {port}",
        "qabul serveri {origin} {port} portunda çalışa",
    ),
    "drop {origin} serving on port {port} with {workers} processes": (
        "сервер прийому {origin} працює на порту {port}, процесів: {workers}",
        "сервер приёма {origin} работает на порту {port}, процессов: {workers}",
        "qabul serveri {origin} {port} portunda çalışa, protsessler: {workers}",
    ),
    "{what}: Tor configuration written to {path}; include it in your Tor's torrc or run `tor -f {path}`; the service key lives in {hs} (mode 0700)": (
        "{what}: налаштування Tor записано до {path}; додайте його до torrc вашого Tor або запустіть `tor -f {path}`; ключ сервісу лежить у {hs} (режим 0700)",
        "{what}: настройки Tor записаны в {path}; добавьте их в torrc вашего Tor или запустите `tor -f {path}`; ключ сервиса лежит в {hs} (режим 0700)",
        "{what}: Tor ayarları {path} faylına yazıldı; onı Tor-nıñ torrc faylına qoşuñız ya da `tor -f {path}` işletiñiz; hizmet anahtarı {hs} içinde (rejim 0700)",
    ),
    "onion service": ("onion-сервіс", "onion-сервис", "onion hizmeti"),
    "single-onion (fast, NOT location-hidden)": (
        "single-onion (швидко, розташування НЕ приховане)",
        "single-onion (быстро, расположение НЕ скрыто)",
        "single-onion (tez, yeri GİZLENMEGEN)",
    ),
    # tysha verify
    "drop key {vkey} (no --drop-key given: compare it with the drop's)": (
        "ключ сервера прийому {vkey} (--drop-key не вказано: звірте його з ключем сервера)",
        "ключ сервера приёма {vkey} (--drop-key не указан: сверьте его с ключом сервера)",
        "qabul serveriniñ anahtarı {vkey} (--drop-key berilmedi: onı serverniñ anahtarı ile qıyaslañız)",
    ),
    "receipt ok: envelope {digest} is entry {index} of {origin} (tree of {size})": (
        "квитанція в порядку: конверт {digest} — запис {index} журналу {origin} (дерево розміром {size})",
        "квитанция в порядке: конверт {digest} — запись {index} журнала {origin} (дерево размером {size})",
        "vesiqa tamam: {digest} zarfı {origin} jurnalınıñ {index} qaydı (terek büyükligi {size})",
    ),
    "envelope {digest} is entry {index}": (
        "конверт {digest} — запис {index}",
        "конверт {digest} — запись {index}",
        "{digest} zarfı {index} qaydı",
    ),
    "receipt {position} (entry {index}): {error}": (
        "квитанція {position} (запис {index}): {error}",
        "квитанция {position} (запись {index}): {error}",
        "vesiqa {position} (qayd {index}): {error}",
    ),
    "of {origin} (tree of {size})": (
        "журналу {origin} (дерево розміром {size})",
        "журнала {origin} (дерево размером {size})",
        "{origin} jurnalında (terek büyükligi {size})",
    ),
    "desk key UNPINNED (fingerprint {fp})": (
        "ключ робочого місця НЕ ЗАКРІПЛЕНО (відбиток {fp})",
        "ключ рабочего места НЕ ЗАКРЕПЛЁН (отпечаток {fp})",
        "iş yeri anahtarı BEKİTİLMEGEN (parmaq izi {fp})",
    ),
    "drop key UNPINNED": (
        "ключ сервера прийому НЕ ЗАКРІПЛЕНО",
        "ключ сервера приёма НЕ ЗАКРЕПЛЁН",
        "qabul serveriniñ anahtarı BEKİTİLMEGEN",
    ),
    "report {rid}: {text}": ("повідомлення {rid}: {text}", "сообщение {rid}: {text}", "haber {rid}: {text}"),
    "the bundle opens ({n} members within bounds)": (
        "пакет відкривається (елементів: {n}, у межах обмежень)",
        "пакет открывается (элементов: {n}, в пределах ограничений)",
        "paket açıla ({n} element, sıñırlar içinde)",
    ),
    "signed by the pinned desk {name}, fingerprint {fp}": (
        "підписано закріпленим робочим місцем {name}, відбиток {fp}",
        "подписано закреплённым рабочим местом {name}, отпечаток {fp}",
        "bekitilgen {name} iş yeri tarafından imzalanğan, parmaq izi {fp}",
    ),
    "signed by a key calling itself desk {name}, fingerprint {fp}; no --desk-key given, so anyone could have signed it: compare this fingerprint with one you got from the desk itself": (
        "підписано ключем, що називає себе робочим місцем {name}, відбиток {fp}; --desk-key не вказано, тож підписати міг будь-хто: звірте цей відбиток з отриманим від самого робочого місця",
        "подписано ключом, называющим себя рабочим местом {name}, отпечаток {fp}; --desk-key не указан, так что подписать мог кто угодно: сверьте этот отпечаток с полученным от самого рабочего места",
        "özüni {name} iş yeri dep adlandırğan anahtar ile imzalanğan, parmaq izi {fp}; --desk-key berilmedi, demek er kes imzalap olabilir edi: bu parmaq izini iş yeriniñ özünden alğanıñız ile qıyaslañız",
    ),
    "{n} members present, unaltered, and nothing else": (
        "є всі елементи ({n}), незмінені, і нічого зайвого",
        "есть все элементы ({n}), без изменений, и ничего лишнего",
        "bütün elementler ({n}) bar, deñiştirilmegen, ve artıq bir şey yoq",
    ),
    "report {rid}: envelope is entry {index} of {origin} (tree of {size})": (
        "повідомлення {rid}: конверт — запис {index} журналу {origin} (дерево розміром {size})",
        "сообщение {rid}: конверт — запись {index} журнала {origin} (дерево размером {size})",
        "haber {rid}: zarf {origin} jurnalınıñ {index} qaydı (terek büyükligi {size})",
    ),
    "report {rid}: source signature and capture attestations hold (source fingerprint {fp})": (
        "повідомлення {rid}: підпис джерела і засвідчення зйомки дійсні (відбиток джерела {fp})",
        "сообщение {rid}: подпись источника и удостоверения съёмки действительны (отпечаток источника {fp})",
        "haber {rid}: menba imzası ve çekiliş tasdıqları doğru (menba parmaq izi {fp})",
    ),
    "custody log of {n} events is intact and signed by the desk key (the desk's assertion of what it did)": (
        "журнал зберігання (подій: {n}) цілий і підписаний ключем робочого місця (твердження робочого місця про власні дії)",
        "журнал хранения (событий: {n}) целостен и подписан ключом рабочего места (утверждение рабочего места о собственных действиях)",
        "saqlav jurnalı ({n} vaqia) bütün ve iş yeri anahtarı ile imzalanğan (iş yeriniñ yapqanları aqqında beyanı)",
    ),
    "the custody head is not anchored in a drop's log (the desk had not anchored it): custody rests on the desk's signature alone": (
        "вершина журналу зберігання не закріплена в журналі сервера прийому (робоче місце її не закріпило): зберігання тримається лише на підписі робочого місця",
        "вершина журнала хранения не закреплена в журнале сервера приёма (рабочее место её не закрепило): хранение держится только на подписи рабочего места",
        "saqlav jurnalınıñ başı qabul serveriniñ jurnalında bekitilmegen (iş yeri onı bekitmedi): saqlav tek iş yeriniñ imzasına dayana",
    ),
    "{n} of {total} reports carry flags (listed above with their reasons); the checks hold, but to accept flagged reports give --accept-flagged": (
        "{n} з {total} повідомлень мають позначки (перелічені вище з причинами); перевірки пройдено, але щоб прийняти позначені повідомлення, вкажіть --accept-flagged",
        "{n} из {total} сообщений имеют отметки (перечислены выше с причинами); проверки пройдены, но чтобы принять отмеченные сообщения, укажите --accept-flagged",
        "{total} haberden {n} belgili (yuqarıda sebepleri ile sıralanğan); teşkerüvler doğru, amma belgili haberlerni qabul etmek içün --accept-flagged beriñiz",
    ),
    # tysha source / courier
    "drop {n} of {total} answered": (
        "відповів сервер прийому {n} з {total}",
        "ответил сервер приёма {n} из {total}",
        "{total} qabul serverinden {n}-si cevap berdi",
    ),
    "nothing to send: the outbox is empty.": (
        "нічого надсилати: вихідні порожні.",
        "нечего отправлять: исходящие пусты.",
        "yiberecek bir şey yoq: çıqış qutusı boş.",
    ),
    "nothing is due yet; {n} waiting, the next is due {when}.": (
        "ще нічого не час надсилати; чекають: {n}, наступне — {when}.",
        "ещё нечего отправлять; ждут: {n}, следующее — {when}.",
        "ale yiberecek vaqıt kelmedi; bekleyler: {n}, soñrakisi {when}.",
    ),
    "answers your report {id} (written {at})": (
        "відповідь на ваше повідомлення {id} (написане {at})",
        "ответ на ваше сообщение {id} (написано {at})",
        "{id} haberiñizge cevap ({at} yazılğan)",
    ),
    "names no report sent from this vault": (
        "не вказує на повідомлення з цього сховища",
        "не указывает на сообщение из этого хранилища",
        "bu kassadan yiberilgen bir haberni köstermey",
    ),
    "no replies yet.": ("відповідей ще немає.", "ответов пока нет.", "ale cevaplar yoq."),
    "tysha: WARNING: {damage}": ("tysha: ПОПЕРЕДЖЕННЯ: {damage}", "tysha: ПРЕДУПРЕЖДЕНИЕ: {damage}", "tysha: TENBİ: {damage}"),
    "photograph it again, closer and in focus, or use --invitation CODE": (
        "сфотографуйте ще раз, ближче і чітко, або вкажіть --invitation CODE",
        "сфотографируйте ещё раз, ближе и чётко, или укажите --invitation CODE",
        "kene, daa yaqından ve açıq resimge alıñız ya da --invitation CODE beriñiz",
    ),
    "tell your handler in person; don't rely on this drop for replies": (
        "скажіть куратору особисто; не покладайтеся на цей сервер прийому щодо відповідей",
        "скажите куратору лично; не полагайтесь на этот сервер приёма в получении ответов",
        "kuratoruñızğa özüñiz aytıñız; cevaplar içün bu qabul serverine işanmañız",
    ),
    "this is recorded in custody; tell your organisation if it persists": (
        "це записано в журнал зберігання; якщо повторюється, повідомте свою організацію",
        "это записано в журнал хранения; если повторяется, сообщите своей организации",
        "bu saqlav jurnalına yazıldı; tekrarlansa, teşkilâtıñızğa bildiriñiz",
    ),
    # tysha demo (src/tysha/demo.py) and the desk's progress labels
    "drop running at {url}": ("сервер прийому працює на {url}", "сервер приёма работает на {url}", "qabul serveri {url} adresinde çalışa"),
    "desk ready; invitation made": ("робоче місце готове; запрошення створено", "рабочее место готово; приглашение создано", "iş yeri azır; davetname yaratıldı"),
    "a second source corroborated a report: one incident built, more suggested": (
        "друге джерело підтвердило повідомлення: створено один інцидент, запропоновано ще",
        "второй источник подтвердил сообщение: создан один инцидент, предложены ещё",
        "ekinci menba bir habernı tasdıqladı: bir vaqia yaratıldı, daa başqaları teklif etildi",
    ),
    "Tysha demo is running.": ("Демонстрація Тиші працює.", "Демонстрация Тиши работает.", "Tışa demosı çalışa."),
    "Desk:": ("Робоче місце:", "Рабочее место:", "İş yeri:"),
    "Passphrase:": ("Парольна фраза:", "Парольная фраза:", "Parol ibaresi:"),
    "Drop:": ("Сервер прийому:", "Сервер приёма:", "Qabul serveri:"),
    "log at {url}": ("журнал на {url}", "журнал на {url}", "jurnal {url} adresinde"),
    "Source vault {vault}  passphrase {passphrase}": (
        "Сховище джерела {vault}  парольна фраза {passphrase}",
        "Хранилище источника {vault}  парольная фраза {passphrase}",
        "Menba kassası {vault}  parol ibaresi {passphrase}",
    ),
    "Browser source (open in a browser; the invitation is in the fragment):": (
        "Джерело в браузері (відкрийте в браузері; запрошення — у фрагменті адреси):",
        "Источник в браузере (откройте в браузере; приглашение — во фрагменте адреса):",
        "Brauzerdeki menba (brauzerde açıñız; davetname adresniñ fragmentinde):",
    ),
    "Ctrl-C stops everything and deletes the demo folder.": (
        "Ctrl-C зупиняє все і видаляє теку демонстрації.",
        "Ctrl-C останавливает всё и удаляет папку демонстрации.",
        "Ctrl-C episini toqtata ve demo papkasını siler.",
    ),
    "Ctrl-C stops everything; the demo folder stays: {folder}": (
        "Ctrl-C зупиняє все; тека демонстрації залишається: {folder}",
        "Ctrl-C останавливает всё; папка демонстрации остаётся: {folder}",
        "Ctrl-C episini toqtata; demo papkası qala: {folder}",
    ),
    "hashing photos": ("обчислення хешів фото", "вычисление хешей фото", "resimlerniñ heşleri esaplana"),
    "envelope {index}": ("конверт {index}", "конверт {index}", "zarf {index}"),
    # errors raised by the command line and the desk service (translated at the face by template)
    "--desk-key applies to a court bundle; this is not one": (
        "--desk-key стосується судового пакета; це не він",
        "--desk-key относится к судебному пакету; это не он",
        "--desk-key mahkeme paketine ait; bu paket degil",
    ),
    "--drop and --drop-key go together": (
        "--drop і --drop-key вказують разом",
        "--drop и --drop-key указывают вместе",
        "--drop ve --drop-key beraber beriler",
    ),
    "--tsa-root {name} cannot be read": (
        "--tsa-root {name} не вдається прочитати",
        "--tsa-root {name} не удаётся прочитать",
        "--tsa-root {name} oqulıp olamay",
    ),
    "--tsa-root {name} is not a PEM certificate": (
        "--tsa-root {name} — не сертифікат PEM",
        "--tsa-root {name} — не сертификат PEM",
        "--tsa-root {name} PEM sertifikatı degil",
    ),
    "--witness applies to a court bundle; this is not one": (
        "--witness стосується судового пакета; це не він",
        "--witness относится к судебному пакету; это не он",
        "--witness mahkeme paketine ait; bu paket degil",
    ),
    "--witnesses-needed must be between 1 and {n}": (
        "--witnesses-needed має бути від 1 до {n}",
        "--witnesses-needed должно быть от 1 до {n}",
        "--witnesses-needed 1 ile {n} arasında olmalı",
    ),
    "--witnesses-needed needs --witness keys": (
        "--witnesses-needed потребує ключів --witness",
        "--witnesses-needed требует ключей --witness",
        "--witnesses-needed içün --witness anahtarları kerek",
    ),
    "--pow-bits must be between 0 and 24": (
        "--pow-bits має бути від 0 до 24",
        "--pow-bits должно быть от 0 до 24",
        "--pow-bits 0 ile 24 arasında olmalı",
    ),
    "--workers must be between 1 and 256": (
        "--workers має бути від 1 до 256",
        "--workers должно быть от 1 до 256",
        "--workers 1 ile 256 arasında olmalı",
    ),
    "{name} already exists; refusing to overwrite it": (
        "{name} вже існує; перезаписувати не буду",
        "{name} уже существует; перезаписывать не буду",
        "{name} endi bar; üstünden yazmayım",
    ),
    "{name} has too many pixels for a photo of a QR code": (
        "{name} має забагато пікселів для фото QR-коду",
        "{name} содержит слишком много пикселей для фото QR-кода",
        "{name} QR kod resmi içün pek çoq pikselge sahip",
    ),
    "{name} is damaged (its checksum or structure)": (
        "{name} пошкоджено (контрольна сума чи структура)",
        "{name} повреждён (контрольная сумма или структура)",
        "{name} bozulğan (kontrol summası ya da strukturası)",
    ),
    "{name} is encrypted": ("{name} зашифровано", "{name} зашифрован", "{name} şifrelengen"),
    "{name} is larger than any receipt file ({size} bytes)": (
        "{name} більший за будь-який файл квитанцій ({size} байтів)",
        "{name} больше любого файла квитанций ({size} байт)",
        "{name} er angi vesiqa faylından büyük ({size} bayt)",
    ),
    "{name} is neither a bundle nor a receipt file": (
        "{name} — ні пакет, ні файл квитанцій",
        "{name} — ни пакет, ни файл квитанций",
        "{name} ne paket, ne de vesiqa faylı",
    ),
    "{name} is not a desk; run `tysha desk init` first": (
        "{name} — не робоче місце; спершу виконайте `tysha desk init`",
        "{name} — не рабочее место; сначала выполните `tysha desk init`",
        "{name} iş yeri degil; evelâ `tysha desk init` işletiñiz",
    ),
    "{name} is not a receipt file": ("{name} — не файл квитанцій", "{name} — не файл квитанций", "{name} vesiqa faylı degil"),
    "{name} is not an image this device can read": (
        "{name} — не зображення, яке може прочитати цей пристрій",
        "{name} — не изображение, которое может прочитать это устройство",
        "{name} bu cihaz oqup olğan resim degil",
    ),
    "{ref} is the start of {n} report ids; give more of it": (
        "{ref} — початок {n} ідентифікаторів повідомлень; вкажіть довшу частину",
        "{ref} — начало {n} идентификаторов сообщений; укажите более длинную часть",
        "{ref} {n} haber identifikatorınıñ başı; daa uzun parçasını beriñiz",
    ),
    "{name} is too large for a photo of a QR code": (
        "{name} завеликий для фото QR-коду",
        "{name} слишком велик для фото QR-кода",
        "{name} QR kod resmi içün pek büyük",
    ),
    "{name} is truncated or unreadable": (
        "{name} обрізано або неможливо прочитати",
        "{name} обрезан или не читается",
        "{name} kesik ya da oqulmay",
    ),
    "{n} not shared: {error}": ("не передано: {n}; {error}", "не передано: {n}; {error}", "paylaşılmadı: {n}; {error}"),
    "{n} of {total} receipts in {name} do not verify": (
        "{n} з {total} квитанцій у {name} не проходять перевірку",
        "{n} из {total} квитанций в {name} не проходят проверку",
        "{name} içindeki {total} vesiqadan {n} teşkerüvden keçmey",
    ),
    "{n} replies are still queued: {error}": (
        "відповідей у черзі: {n}; {error}",
        "ответов в очереди: {n}; {error}",
        "sıradaki cevaplar: {n}; {error}",
    ),
    "{name} shows {n} QR codes; photograph only the invitation": (
        "на {name} видно QR-кодів: {n}; сфотографуйте лише запрошення",
        "на {name} видно QR-кодов: {n}; сфотографируйте только приглашение",
        "{name} üzerinde {n} QR kod kösterile; tek davetnamenı resimge alıñız",
    ),
    "{name} uses an unsupported compression": (
        "{name} використовує непідтримуване стиснення",
        "{name} использует неподдерживаемое сжатие",
        "{name} destek berilmegen sıqıştıruv qullana",
    ),
    "a --witness key is not a witness verifier key (type 0x04)": (
        "ключ --witness — не ключ перевірки свідка (тип 0x04)",
        "ключ --witness — не ключ проверки свидетеля (тип 0x04)",
        "--witness anahtarı şaat teşkerüv anahtarı degil (tip 0x04)",
    ),
    "a desk is a handler, escrow or analyst desk": (
        "робоче місце буває куратора, депозитарію або аналітика",
        "рабочее место бывает куратора, депозитария или аналитика",
        "iş yeri kurator, emanetçi ya da analitik iş yeri ola",
    ),
    "a desk is an escrow desk or an analyst desk, not both": (
        "робоче місце — депозитарій або аналітик, не обидва",
        "рабочее место — депозитарий или аналитик, не оба",
        "iş yeri emanetçi ya da analitik ola, ekisi birden degil",
    ),
    "a drop address has no spaces; give each address with its own --drop": (
        "адреса сервера прийому не має пробілів; кожну адресу вкажіть окремим --drop",
        "адрес сервера приёма не содержит пробелов; каждый адрес укажите отдельным --drop",
        "qabul serveri adresinde boşluq olmay; er adresni ayrı --drop ile beriñiz",
    ),
    "a drop's listing misbehaved (see the warnings above); what it did list was fetched": (
        "перелік сервера прийому поводився неправильно (див. попередження вище); те, що він перелічив, отримано",
        "список сервера приёма вёл себя неправильно (см. предупреждения выше); то, что он перечислил, получено",
        "qabul serveriniñ cedveli yañlış davrandı (yuqarıdaki tenbilerge baqıñız); sıralağanı alındı",
    ),
    "a note needs some text": ("нотатці потрібен текст", "заметке нужен текст", "qayd içün metin kerek"),
    "a reply is limited to 64 KiB of text": (
        "відповідь обмежена 64 КіБ тексту",
        "ответ ограничен 64 КиБ текста",
        "cevap 64 KiB metin ile sıñırlı",
    ),
    "a reply needs some text": ("відповіді потрібен текст", "ответу нужен текст", "cevap içün metin kerek"),
    "an analyst desk has no {what}": (
        "робоче місце аналітика не має: {what}",
        "у рабочего места аналитика нет: {what}",
        "analitik iş yerinde yoq: {what}",
    ),
    "cannot read {name}: {error}": ("не вдається прочитати {name}: {error}", "не удаётся прочитать {name}: {error}", "{name} oqulıp olamay: {error}"),
    "cannot write the QR code to {name}": (
        "не вдається записати QR-код до {name}",
        "не удаётся записать QR-код в {name}",
        "QR kod {name} faylına yazılıp olamay",
    ),
    "cannot write the bundle to {name}": (
        "не вдається записати пакет до {name}",
        "не удаётся записать пакет в {name}",
        "paket {name} faylına yazılıp olamay",
    ),
    "give a report id": ("вкажіть ідентифікатор повідомлення", "укажите идентификатор сообщения", "haber identifikatorını beriñiz"),
    "give report ids or --incident ID": (
        "вкажіть ідентифікатори повідомлень або --incident ID",
        "укажите идентификаторы сообщений или --incident ID",
        "haber identifikatorlarını ya da --incident ID beriñiz",
    ),
    "give the drop's address with --drop": (
        "вкажіть адресу сервера прийому через --drop",
        "укажите адрес сервера приёма через --drop",
        "qabul serveriniñ adresini --drop ile beriñiz",
    ),
    "no {what} strong enough was given; nothing was changed": (
        "достатньо надійну {what} не вказано; нічого не змінено",
        "достаточно надёжная {what} не указана; ничего не изменено",
        "yeterli derecede sağlam {what} berilmedi; hiç bir şey deñiştirilmedi",
    ),
    "no passphrase: set {env} or run on a terminal": (
        "немає парольної фрази: задайте {env} або запустіть у терміналі",
        "нет парольной фразы: задайте {env} или запустите в терминале",
        "parol ibaresi yoq: {env} beriñiz ya da terminalde işletiñiz",
    ),
    "no readable QR code in {name}: it is missing, too small, blurred or damaged": (
        "у {name} немає читабельного QR-коду: його немає, він замалий, розмитий чи пошкоджений",
        "в {name} нет читаемого QR-кода: его нет, он слишком мал, размыт или повреждён",
        "{name} içinde oqulğan QR kod yoq: o yoq, pek kiçik, bulanıq ya da bozuq",
    ),
    "no report {ref}": ("немає повідомлення {ref}", "нет сообщения {ref}", "{ref} haberi yoq"),
    "not confirmed; nothing changed": ("не підтверджено; нічого не змінено", "не подтверждено; ничего не изменено", "tasdıqlanmadı; hiç bir şey deñişmedi"),
    "only a handler desk enrols sources": (
        "джерела підключає лише робоче місце куратора",
        "источники подключает только рабочее место куратора",
        "menbalarnı tek kurator iş yeri qoşa",
    ),
    "only an analyst desk pins handler desks": (
        "робочі місця кураторів закріплює лише робоче місце аналітика",
        "рабочие места кураторов закрепляет только рабочее место аналитика",
        "kurator iş yerlerini tek analitik iş yeri bekite",
    ),
    "reading QR codes needs the zxing-cpp package; use --invitation CODE instead": (
        "для читання QR-кодів потрібен пакет zxing-cpp; натомість вкажіть --invitation CODE",
        "для чтения QR-кодов нужен пакет zxing-cpp; вместо этого укажите --invitation CODE",
        "QR kodlarnı oqumaq içün zxing-cpp paketi kerek; yerine --invitation CODE beriñiz",
    ),
    "report {id} has no attachment {n}": (
        "повідомлення {id} не має вкладення {n}",
        "у сообщения {id} нет вложения {n}",
        "{id} haberinde {n} ilâvesi yoq",
    ),
    "report ids go with --create TITLE": (
        "ідентифікатори повідомлень вказують разом із --create TITLE",
        "идентификаторы сообщений указывают вместе с --create TITLE",
        "haber identifikatorları --create TITLE ile beraber beriler",
    ),
    "some envelopes could not be fetched; fetch again later": (
        "деякі конверти не вдалося отримати; спробуйте пізніше",
        "некоторые конверты не удалось получить; попробуйте позже",
        "bazı zarflar alınıp olamadı; soñra kene alıñız",
    ),
    "sort by received or event": (
        "сортуйте за received (отримання) або event (подія)",
        "сортируйте по received (получение) или event (событие)",
        "received (alınuv) ya da event (vaqia) boyunca sıralañız",
    ),
    "status must be one of {statuses}": (
        "статус має бути одним із: {statuses}",
        "статус должен быть одним из: {statuses}",
        "al bulardan biri olmalı: {statuses}",
    ),
    "step 1 (bundle readable): {n} members (at most {limit})": (
        "крок 1 (пакет читається): елементів {n} (не більше {limit})",
        "шаг 1 (пакет читается): элементов {n} (не более {limit})",
        "1-nci adım (paket oqula): {n} element (eñ çoq {limit})",
    ),
    "step 1 (bundle readable): not a readable zip archive": (
        "крок 1 (пакет читається): це не читабельний zip-архів",
        "шаг 1 (пакет читается): это не читаемый zip-архив",
        "1-nci adım (paket oqula): oqulğan zip arhivi degil",
    ),
    "step 1 (bundle readable): the archive uses a zip feature this verifier does not read (not a bundle Tysha writes)": (
        "крок 1 (пакет читається): архів використовує можливість zip, яку ця перевірка не читає (не пакет, який пише Tysha)",
        "шаг 1 (пакет читается): архив использует возможность zip, которую эта проверка не читает (не пакет, который пишет Tysha)",
        "1-nci adım (paket oqula): arhiv bu teşkerüv oqumağan zip imkânını qullana (Tysha yazğan paket degil)",
    ),
    "that is not a desk's public key": (
        "це не публічний ключ робочого місця",
        "это не публичный ключ рабочего места",
        "bu iş yeriniñ açıq anahtarı degil",
    ),
    "that is not a drop's verifier key": (
        "це не ключ перевірки сервера прийому",
        "это не ключ проверки сервера приёма",
        "bu qabul serveriniñ teşkerüv anahtarı degil",
    ),
    "the decoy passphrase must differ from the real one": (
        "парольна фраза-приманка має відрізнятися від справжньої",
        "парольная фраза-приманка должна отличаться от настоящей",
        "aldatma parol ibaresi aqiqiysinden farqlı olmalı",
    ),
    "the desk's key file (desk.json) is unreadable": (
        "файл ключів робочого місця (desk.json) не читається",
        "файл ключей рабочего места (desk.json) не читается",
        "iş yeriniñ anahtar faylı (desk.json) oqulmay",
    ),
    "the drop address must start with http:// or https://": (
        "адреса сервера прийому має починатися з http:// або https://",
        "адрес сервера приёма должен начинаться с http:// или https://",
        "qabul serveriniñ adresi http:// ya da https:// ile başlamalı",
    ),
    "the drop is not honest about its listing: {reason}; replies may be withheld from you. The replies shown are genuine (each is signed by your handler)": (
        "сервер прийому нечесний щодо свого переліку: {reason}; від вас можуть приховувати відповіді. Показані відповіді справжні (кожну підписав ваш куратор)",
        "сервер приёма нечестен в своём списке: {reason}; от вас могут скрывать ответы. Показанные ответы подлинные (каждый подписан вашим куратором)",
        "qabul serveri cedvelinde namuslı degil: {reason}; cevaplar sizden saqlanıp olur. Kösterilgen cevaplar aqiqiy (er birini kuratoruñız imzalağan)",
    ),
    "the same drop address is given twice": (
        "ту саму адресу сервера прийому вказано двічі",
        "один и тот же адрес сервера приёма указан дважды",
        "qabul serveriniñ aynı adresi eki kere berildi",
    ),
    "the two passphrases differ": (
        "дві парольні фрази відрізняються",
        "две парольные фразы различаются",
        "eki parol ibaresi farqlı",
    ),
    "the web desk binds to loopback only (127.0.0.1); reach it over an SSH tunnel, or pass --i-know-this-is-exposed": (
        "вебробоче місце слухає лише локальну адресу (127.0.0.1); заходьте через SSH-тунель або вкажіть --i-know-this-is-exposed",
        "веб-рабочее место слушает только локальный адрес (127.0.0.1); заходите через SSH-туннель или укажите --i-know-this-is-exposed",
        "veb iş yeri tek yerli adresni (127.0.0.1) diñley; oña SSH tunneli ile barıñız ya da --i-know-this-is-exposed beriñiz",
    ),
    "this report has no source key or drop to reply through": (
        "у цього повідомлення немає ключа джерела чи сервера прийому для відповіді",
        "у этого сообщения нет ключа источника или сервера приёма для ответа",
        "bu haberde cevap içün menba anahtarı ya da qabul serveri yoq",
    ),
    "this report's drop is unknown to the desk": (
        "сервер прийому цього повідомлення невідомий робочому місцю",
        "сервер приёма этого сообщения неизвестен рабочему месту",
        "bu haberniñ qabul serveri iş yerine belgisiz",
    ),
    "could not reach {drops}; nothing was lost, fetch again later": (
        "не вдалося зв'язатися з {drops}; нічого не втрачено, спробуйте пізніше",
        "не удалось связаться с {drops}; ничего не потеряно, попробуйте позже",
        "{drops} ile bağ qurulıp olamadı; hiç bir şey ğayıp olmadı, soñra kene alıñız",
    ),
    "could not reach {drops}; nothing was lost, fetch again later (a .onion drop is reached only through Tor: use --tor)": (
        "не вдалося зв'язатися з {drops}; нічого не втрачено, спробуйте пізніше (до .onion-сервера можна дістатися лише через Tor: вкажіть --tor)",
        "не удалось связаться с {drops}; ничего не потеряно, попробуйте позже (до .onion-сервера можно добраться только через Tor: укажите --tor)",
        "{drops} ile bağ qurulıp olamadı; hiç bir şey ğayıp olmadı, soñra kene alıñız (.onion serverine tek Tor vastasınen barılır: --tor beriñiz)",
    ),
    "{why}; nothing was sent, everything stays in the outbox": (
        "{why}; нічого не надіслано, усе лишається у вихідних",
        "{why}; ничего не отправлено, всё остаётся в исходящих",
        "{why}; hiç bir şey yiberilmedi, episi çıqış qutusında qala",
    ),
    "no drop answered": ("жоден сервер прийому не відповів", "ни один сервер приёма не ответил", "iç bir qabul serveri cevap bermedi"),
}

# The reporter's device (tysha source): its errors, hints and notices, translated at the face by
# msgid template (issue 10, point 12: "in the user's language"). (uk, ru, crh); the Crimean
# Tatar is the CLI engineer's, not yet reviewed by a native documentation team.
CLI_SOURCE: dict[str, tuple[str, str, str]] = {
    "this passphrase opens nothing in this vault: either it is not the passphrase of this vault, or the start of the file (where the keys are kept) is damaged; the two can't be told apart, by design": (
        "ця парольна фраза нічого не відкриває в цьому сховищі: або це не парольна фраза цього сховища, або пошкоджено початок файлу (де зберігаються ключі); ці два випадки навмисно неможливо розрізнити",
        "эта парольная фраза ничего не открывает в этом хранилище: либо это не парольная фраза этого хранилища, либо повреждено начало файла (где хранятся ключи); эти два случая намеренно неразличимы",
        "bu parol ibaresi bu kassada hiç bir şey açmay: ya bu kassanıñ parol ibaresi degil, ya da faylnıñ başı (anahtarlar saqlanğan yer) bozulğan; bu ekisini ayırıp olmay, bu mahsus böyle",
    ),
    "type it again carefully (TYSHA_PASSPHRASE for scripts); if you are sure of it, keep the file unchanged and tell your handler in person": (
        "введіть її ще раз уважно (у скриптах: TYSHA_PASSPHRASE); якщо ви в ній упевнені, не змінюйте файл і скажіть куратору особисто",
        "введите её ещё раз внимательно (в скриптах: TYSHA_PASSPHRASE); если вы в ней уверены, не меняйте файл и скажите куратору лично",
        "onı kene diqqatnen yazıñız (skriptler içün: TYSHA_PASSPHRASE); emin olsañız, faylnı deñiştirmeñiz ve kuratoruñızğa özüñiz aytıñız",
    ),
    "ask your handler for the code again, or copy it again whole": (
        "попросіть у куратора код ще раз або скопіюйте його знову повністю",
        "попросите у куратора код ещё раз или скопируйте его снова целиком",
        "kuratoruñızdan kodnı kene isteñiz ya da onı kene bütünley kopiyalañız",
    ),
    "give the date of the event; leave --when out if you don't know it": (
        "вкажіть дату події; якщо не знаєте її, не вказуйте --when",
        "укажите дату события; если не знаете её, не указывайте --when",
        "vaqianıñ tarihini beriñiz; bilmeseñiz, --when bermeñiz",
    ),
    "give the path of the vault file itself (--vault FILE)": (
        "вкажіть шлях до самого файлу сховища (--vault FILE)",
        "укажите путь к самому файлу хранилища (--vault FILE)",
        "kassa faylınıñ özüniñ yolunı beriñiz (--vault FILE)",
    ),
    "keep the file unchanged (a copy made before may still open) and tell your handler in person which reports you had not sent yet": (
        "не змінюйте файл (копія, зроблена раніше, може ще відкритися) і скажіть куратору особисто, які повідомлення ви ще не надіслали",
        "не меняйте файл (копия, сделанная раньше, может ещё открыться) и скажите куратору лично, какие сообщения вы ещё не отправили",
        "faylnı deñiştirmeñiz (evelce yapılğan kopiya ale açılıp olur) ve kuratoruñızğa özüñiz qaysı haberlerni ale yibermegeniñizni aytıñız",
    ),
    "put back the copy you made before, or keep this file unchanged and tell your handler in person": (
        "поверніть копію, зроблену раніше, або не змінюйте цей файл і скажіть куратору особисто",
        "верните копию, сделанную раньше, или не меняйте этот файл и скажите куратору лично",
        "evelce yapqan kopiyañıznı yerine qoyuñız ya da bu faylnı deñiştirmeñiz ve kuratoruñızğa özüñiz aytıñız",
    ),
    "put back the copy you made before, or tell your handler in person": (
        "поверніть копію, зроблену раніше, або скажіть куратору особисто",
        "верните копию, сделанную раньше, или скажите куратору лично",
        "evelce yapqan kopiyañıznı yerine qoyuñız ya da kuratoruñızğa özüñiz aytıñız",
    ),
    "write a new one down until you know it by heart, then destroy the paper": (
        "запишіть нову, доки не завчите її напам'ять, потім знищте папірець",
        "запишите новую, пока не выучите её наизусть, затем уничтожьте бумажку",
        "yañısını ezberlegence yazıp alıñız, soñra kâğıtnı yoq etiñiz",
    ),
    "cannot read the size {text} (say e.g. 64MiB)": (
        "не вдається прочитати розмір {text} (напишіть, наприклад, 64MiB)",
        "не удаётся прочитать размер {text} (напишите, например, 64MiB)",
        "{text} büyüklik oqulıp olamay (meselâ 64MiB yazıñız)",
    ),
    "a vault is a whole number of 64 KiB blocks and at least {min} MiB; {size} bytes is not (say e.g. 64MiB)": (
        "сховище — це ціла кількість блоків по 64 КіБ і щонайменше {min} МіБ; {size} байтів не підходить (напишіть, наприклад, 64MiB)",
        "хранилище — это целое число блоков по 64 КиБ и не меньше {min} МиБ; {size} байт не подходит (напишите, например, 64MiB)",
        "kassa 64 KiB bloklarnıñ tam sayısı ve eñ az {min} MiB; {size} bayt uyğun degil (meselâ 64MiB yazıñız)",
    ),
    "cannot create the vault: {error}": ("не вдається створити сховище: {error}", "не удаётся создать хранилище: {error}", "kassa yaratılıp olamay: {error}"),
    "the vault {path} does not exist": ("сховища {path} не існує", "хранилища {path} не существует", "{path} kassası yoq"),
    "cannot read the vault {name}": ("не вдається прочитати сховище {name}", "не удаётся прочитать хранилище {name}", "{name} kassası oqulıp olamay"),
    "cannot open the vault {name}: {error}": ("не вдається відкрити сховище {name}: {error}", "не удаётся открыть хранилище {name}: {error}", "{name} kassası açılıp olamay: {error}"),
    "the vault file has the wrong size ({size} bytes; a vault is a whole number of 64 KiB blocks): it was probably cut short or extended when copied or stored. Nothing was read or changed": (
        "файл сховища має неправильний розмір ({size} байтів; сховище — ціла кількість блоків по 64 КіБ): ймовірно, його обрізано чи подовжено під час копіювання або зберігання. Нічого не прочитано і не змінено",
        "файл хранилища имеет неправильный размер ({size} байт; хранилище — целое число блоков по 64 КиБ): вероятно, его обрезали или удлинили при копировании или хранении. Ничего не прочитано и не изменено",
        "kassa faylınıñ büyükligi yañlış ({size} bayt; kassa 64 KiB bloklarnıñ tam sayısı): belki de kopiyalanğanda ya da saqlanğanda kesildi ya da uzattırıldı. Hiç bir şey oqulmadı ve deñiştirilmedi",
    ),
    "the vault file is truncated": ("файл сховища обрізано", "файл хранилища обрезан", "kassa faylı kesik"),
    "an empty passphrase opens nothing": ("порожня парольна фраза нічого не відкриває", "пустая парольная фраза ничего не открывает", "boş parol ibaresi hiç bir şey açmay"),
    "the vault file was {before} bytes when it was made and is now {size}: it was cut short or extended. Nothing was read or changed": (
        "файл сховища мав {before} байтів, коли його створили, а тепер {size}: його обрізано чи подовжено. Нічого не прочитано і не змінено",
        "файл хранилища был {before} байт при создании, а теперь {size}: его обрезали или удлинили. Ничего не прочитано и не изменено",
        "kassa faylı yaratılğanda {before} bayt edi, şimdi {size}: kesildi ya da uzattırıldı. Hiç bir şey oqulmadı ve deñiştirilmedi",
    ),
    "the passphrase is right, but both saves of this vault's contents are damaged and nothing in them can be read": (
        "парольна фраза правильна, але обидва збереження вмісту сховища пошкоджені, і в них нічого не можна прочитати",
        "парольная фраза верна, но оба сохранения содержимого хранилища повреждены, и в них ничего нельзя прочитать",
        "parol ibaresi doğru, amma kassa içindekileriniñ eki saqlavı da bozulğan ve olarda hiç bir şey oqulıp olmay",
    ),
    "the vault file was {before} bytes when it was made and is now {size}: refusing to write into it": (
        "файл сховища мав {before} байтів, коли його створили, а тепер {size}: записувати в нього не буду",
        "файл хранилища был {before} байт при создании, а теперь {size}: записывать в него не буду",
        "kassa faylı yaratılğanda {before} bayt edi, şimdi {size}: oña yazmayım",
    ),
    "the vault is full: this needs {need} KiB, the compartment holds {have} KiB; send what waits, or make a larger vault": (
        "сховище заповнене: потрібно {need} КіБ, відділ вміщує {have} КіБ; надішліть те, що чекає, або створіть більше сховище",
        "хранилище заполнено: нужно {need} КиБ, отсек вмещает {have} КиБ; отправьте то, что ждёт, или создайте хранилище побольше",
        "kassa tolu: {need} KiB kerek, bölme {have} KiB alır; bekleygenlerni yiberiñiz ya da daa büyük kassa yapıñız",
    ),
    "that passphrase is already in use in this vault; choose another": (
        "ця парольна фраза вже використовується в цьому сховищі; виберіть іншу",
        "эта парольная фраза уже используется в этом хранилище; выберите другую",
        "bu parol ibaresi bu kassada endi qullanıla; başqasını saylañız",
    ),
    "the newest save of this vault (from {newest}) is damaged; the previous one, from {when}, was opened; {what}. Anything else done after that hour may be missing too": (
        "найновіше збереження цього сховища (від {newest}) пошкоджене; відкрито попереднє, від {when}; {what}. Усе інше, зроблене після тієї години, теж може бути втрачене",
        "самое новое сохранение этого хранилища (от {newest}) повреждено; открыто предыдущее, от {when}; {what}. Всё остальное, сделанное после того часа, тоже может быть потеряно",
        "bu kassanıñ eñ yañı saqlavı ({newest}) bozulğan; evelkisi, {when} tarihli, açıldı; {what}. O saattan soñ yapılğan başqa şeyler de ğayıp olıp olur",
    ),
    "one of the vault's two saves can't be read (damage, or a save cut short by a power loss); the other one, from {when}, was opened. Anything done after that hour may be missing: check the outbox and write again what is not there": (
        "одне з двох збережень сховища не читається (пошкодження або збереження, перерване вимкненням живлення); відкрито інше, від {when}. Усе, зроблене після тієї години, може бути втрачене: перевірте вихідні й напишіть знову те, чого там немає",
        "одно из двух сохранений хранилища не читается (повреждение или сохранение, прерванное отключением питания); открыто другое, от {when}. Всё, сделанное после того часа, может быть потеряно: проверьте исходящие и напишите снова то, чего там нет",
        "kassanıñ eki saqlavından biri oqulmay (bozuqlıq ya da elektrik kesilip, saqlav yarım qaldı); ekinci, {when} tarihli, açıldı. O saattan soñ yapılğan şeyler ğayıp olıp olur: çıqış qutusını teşkeriñiz ve anda olmağannı kene yazıñız",
    ),
    "whether reports were written since then can't be known": (
        "чи писали відтоді повідомлення, дізнатися неможливо",
        "писались ли с тех пор сообщения, узнать невозможно",
        "o vaqıttan berli haber yazılğanını bilip olmay",
    ),
    "no report was written since then": ("відтоді не написано жодного повідомлення", "с тех пор не написано ни одного сообщения", "o vaqıttan berli iç bir haber yazılmadı"),
    "{n} report(s) written since then are lost (write them again)": (
        "втрачено повідомлень, написаних відтоді: {n} (напишіть їх знову)",
        "потеряно сообщений, написанных с тех пор: {n} (напишите их снова)",
        "o vaqıttan berli yazılğan haberler ğayıp oldı: {n} (olarnı kene yazıñız)",
    ),
    "cannot read the time {text}; accepted forms: {forms}": (
        "не вдається прочитати час {text}; допустимі форми: {forms}",
        "не удаётся прочитать время {text}; допустимые формы: {forms}",
        "{text} vaqtı oqulıp olamay; qabul etilgen şekiller: {forms}",
    ),
    "{text} is not a real date or time; accepted forms: {forms}": (
        "{text} — не справжня дата чи час; допустимі форми: {forms}",
        "{text} — не настоящая дата или время; допустимые формы: {forms}",
        "{text} aqiqiy tarih ya da vaqıt degil; qabul etilgen şekiller: {forms}",
    ),
    "2026-03-01 (a day), 2026-03-01T10:20 or 2026-03-01 10:20[:30] (local time where it happened, no zone), or with a zone: 2026-03-01T10:20Z, 2026-03-01T10:20+03:00": (
        "2026-03-01 (день), 2026-03-01T10:20 або 2026-03-01 10:20[:30] (місцевий час там, де це сталося, без поясу) або з поясом: 2026-03-01T10:20Z, 2026-03-01T10:20+03:00",
        "2026-03-01 (день), 2026-03-01T10:20 или 2026-03-01 10:20[:30] (местное время там, где это произошло, без пояса) или с поясом: 2026-03-01T10:20Z, 2026-03-01T10:20+03:00",
        "2026-03-01 (kün), 2026-03-01T10:20 ya da 2026-03-01 10:20[:30] (olğan yerniñ yerli vaqtı, quşaqsız) ya da quşaq ile: 2026-03-01T10:20Z, 2026-03-01T10:20+03:00",
    ),
    "{text} is in the future (by the device's clock)": (
        "{text} — у майбутньому (за годинником пристрою)",
        "{text} — в будущем (по часам устройства)",
        "{text} kelecekte (cihaz saatına köre)",
    ),
    "this vault is not enrolled; run `tysha source enroll` first": (
        "це сховище не підключене; спершу виконайте `tysha source enroll`",
        "это хранилище не подключено; сначала выполните `tysha source enroll`",
        "bu kassa qoşulmağan; evelâ `tysha source enroll` işletiñiz",
    ),
    "this invitation is damaged or incomplete ({reason}); nothing was changed": (
        "це запрошення пошкоджене або неповне ({reason}); нічого не змінено",
        "это приглашение повреждено или неполно ({reason}); ничего не изменено",
        "bu davetname bozuq ya da tolu degil ({reason}); hiç bir şey deñiştirilmedi",
    ),
    "unknown category {code}; use one of: {codes}": (
        "невідома категорія {code}; вкажіть одну з: {codes}",
        "неизвестная категория {code}; укажите одну из: {codes}",
        "belgisiz kategoriya {code}; bulardan birini beriñiz: {codes}",
    ),
    "a report needs some text": ("повідомленню потрібен текст", "сообщению нужен текст", "haber içün metin kerek"),
    "cannot read the attachment {name}: {error}": (
        "не вдається прочитати вкладення {name}: {error}",
        "не удаётся прочитать вложение {name}: {error}",
        "{name} ilâvesi oqulıp olamay: {error}",
    ),
    "cannot check the drop's log against the last checkpoint": (
        "не вдається звірити журнал сервера прийому з останньою контрольною точкою",
        "не удаётся сверить журнал сервера приёма с последней контрольной точкой",
        "qabul serveriniñ jurnalını soñki kontrol noqtası ile qıyaslap olamay",
    ),
    "THE DROP SHOWS A DIFFERENT HISTORY than before (a forked log): {reason}. Stop sending to it and tell your handler in person.": (
        "СЕРВЕР ПРИЙОМУ ПОКАЗУЄ ІНШУ ІСТОРІЮ, ніж раніше (розгалужений журнал): {reason}. Припиніть надсилати на нього і скажіть куратору особисто.",
        "СЕРВЕР ПРИЁМА ПОКАЗЫВАЕТ ДРУГУЮ ИСТОРИЮ, чем раньше (разветвлённый журнал): {reason}. Прекратите отправлять на него и скажите куратору лично.",
        "QABUL SERVERİ EVELKİNDEN BAŞQA TARİH KÖSTERE (çatallanğan jurnal): {reason}. Oña yibermekni toqtatıñız ve kuratoruñızğa özüñiz aytıñız.",
    ),
    "a reply not signed by the pinned handler key": (
        "відповідь не підписана закріпленим ключем куратора",
        "ответ не подписан закреплённым ключом куратора",
        "cevap bekitilgen kurator anahtarı ile imzalanmağan",
    ),
    "a courier receipt refers to another checkpoint": (
        "квитанція кур'єра посилається на іншу контрольну точку",
        "квитанция курьера ссылается на другую контрольную точку",
        "kuryer vesiqası başqa kontrol noqtasına işaret ete",
    ),
    "this {what} is too easy to guess: about 10^{got} guesses would find it, and at least 10^{need} are needed (a seized vault can be attacked offline). Use five or six unrelated words, for example this one, made just now: {example}": (
        "ця {what} надто легка: її знайшли б приблизно за 10^{got} спроб, а потрібно щонайменше 10^{need} (вилучене сховище можна атакувати офлайн). Візьміть п'ять-шість не пов'язаних слів, наприклад ці, щойно згенеровані: {example}",
        "эта {what} слишком простая: её нашли бы примерно за 10^{got} попыток, а нужно не меньше 10^{need} (изъятое хранилище можно атаковать офлайн). Возьмите пять-шесть не связанных слов, например эти, только что сгенерированные: {example}",
        "bu {what} pek kolay tapılır: taqriben 10^{got} deñemede tapılır edi, amma eñ az 10^{need} kerek (alınğan kassağa internetsiz ücüm etmek mümkün). Beş-altı bağlı olmağan söz alıñız, meselâ şimdi yaratılğan bular: {example}",
    ),
    # coarse waits (tysha.source.device.coarse_wait): no plural forms needed in these phrasings
    "now": ("зараз", "сейчас", "şimdi"),
    "within the hour": ("протягом години", "в течение часа", "bir saat içinde"),
    "in about {hours} hours": ("приблизно через {hours} год", "примерно через {hours} ч", "taqriben {hours} saattan soñ"),
    "in about {days} days": ("приблизно через {days} дн.", "примерно через {days} дн.", "taqriben {days} künden soñ"),
}

# `tysha verify`: the numbered steps of tysha.evidence.bundle, translated at the face by template.
# (uk, ru, crh); the Crimean Tatar is the CLI engineer's, not yet reviewed by a native team.
CLI_VERIFY: dict[str, tuple[str, str, str]] = {
    "{pdf} is the desk's typesetting of {html} (signed, not re-derived here): {html} is the page checked against the data": (
        "{pdf} — верстка {html} робочим місцем (підписана, тут не відтворюється): з даними звіряється сторінка {html}",
        "{pdf} — вёрстка {html} рабочим местом (подписана, здесь не воспроизводится): с данными сверяется страница {html}",
        "{pdf} iş yeriniñ {html} saifesini tizüvi (imzalanğan, mında kene yapılmay): malümat ile {html} saifesi qıyaslana",
    ),
    "{name} was made before control characters were shown as tokens: a source's words in it may hold some that a terminal, editor or browser acts on or hides; report.json holds the same words exactly": (
        "{name} створено ще до того, як керувальні символи почали показуватися видимими позначками: слова джерела в ньому можуть містити символи, які термінал, редактор чи браузер виконає або приховає; report.json містить ті самі слова без змін",
        "{name} создан ещё до того, как управляющие символы стали показываться видимыми метками: слова источника в нём могут содержать символы, которые терминал, редактор или браузер выполнит или скроет; report.json содержит те же слова без изменений",
        "{name} idare işaretleri körünir belgiler olaraq kösterilmeden evel yapıldı: içindeki menba sözleri terminal, muarrir ya da brauzer icra etken ya da gizlegen işaretlerni tuta bile; report.json aynı sözlerni degişmeden tuta",
    ),
    "drop key {vkey} was not pinned (--drop-key): the log proves inclusion only in that key's log": (
        "ключ сервера прийому {vkey} не закріплено (--drop-key): журнал доводить включення лише в журнал цього ключа",
        "ключ сервера приёма {vkey} не закреплён (--drop-key): журнал доказывает включение только в журнал этого ключа",
        "qabul serveriniñ {vkey} anahtarı bekitilmedi (--drop-key): jurnal tek bu anahtarnıñ jurnalına kirgenini isbatlay",
    ),
    "report {rid}: NOT proved to be in the drop's log ({reason}); the desk flagged this too": (
        "повідомлення {rid}: НЕ доведено, що воно є в журналі сервера прийому ({reason}); робоче місце теж це позначило",
        "сообщение {rid}: НЕ доказано, что оно есть в журнале сервера приёма ({reason}); рабочее место тоже это отметило",
        "haber {rid}: qabul serveriniñ jurnalında olğanı isbatlanMADI ({reason}); iş yeri de bunı belgiledi",
    ),
    "report {rid}: the envelope re-opens to this report; text, categories, when, where, created at and {n} attachments (names, hashes, capture claims) are {what}": (
        "повідомлення {rid}: конверт знову відкривається в це повідомлення; текст, категорії, коли, де, час створення і вкладення ({n}: назви, хеші, дані зйомки) — {what}",
        "сообщение {rid}: конверт снова открывается в это сообщение; текст, категории, когда, где, время создания и вложения ({n}: имена, хеши, данные съёмки) — {what}",
        "haber {rid}: zarf kene bu haberge açıla; metin, kategoriyalar, ne vaqıt, nerede, yaratılğan vaqıt ve ilâveler ({n}: adlar, heşler, çekiliş malümatı) — {what}",
    ),
    "the source's": ("від джерела", "от источника", "menbanıñ"),
    "as the handler desk shared them, de-identified (handler fingerprint {fp})": (
        "у тому вигляді, як їх знеособлено передало робоче місце куратора (відбиток куратора {fp})",
        "в том виде, как их обезличенно передало рабочее место куратора (отпечаток куратора {fp})",
        "kurator iş yeri olarnı şahsiyetsizleştirip paylaşqanı kibi (kurator parmaq izi {fp})",
    ),
    "report {rid}: capture attestations do NOT hold ({reason}); the desk flagged this too": (
        "повідомлення {rid}: засвідчення зйомки НЕ дійсні ({reason}); робоче місце теж це позначило",
        "сообщение {rid}: удостоверения съёмки НЕ действительны ({reason}); рабочее место тоже это отметило",
        "haber {rid}: çekiliş tasdıqları doğru DEGİL ({reason}); iş yeri de bunı belgiledi",
    ),
    "report {rid}: the handler desk's re-attestations of the originals hold (handler fingerprint {fp}); the source's own capture signatures were checked by that handler desk, not here": (
        "повідомлення {rid}: повторні засвідчення оригіналів робочим місцем куратора дійсні (відбиток куратора {fp}); власні підписи зйомки джерела перевірило те робоче місце, а не ця перевірка",
        "сообщение {rid}: повторные удостоверения оригиналов рабочим местом куратора действительны (отпечаток куратора {fp}); собственные подписи съёмки источника проверило то рабочее место, а не эта проверка",
        "haber {rid}: kurator iş yeriniñ asıl fayllarnı kene tasdıqlağanı doğru (kurator parmaq izi {fp}); menbanıñ öz çekiliş imzalarını o iş yeri teşkerdi, mında degil",
    ),
    "custody: {n} events of these reports, in order and complete, each proved to be in the desk-signed custody head (log of {size} events, root {root}){detail} (the desk's assertion of what it did)": (
        "журнал зберігання: події цих повідомлень ({n}), по порядку і повністю, кожну доведено до підписаної робочим місцем вершини журналу (подій у журналі: {size}, корінь {root}){detail} (твердження робочого місця про власні дії)",
        "журнал хранения: события этих сообщений ({n}), по порядку и полностью, каждое доказано до подписанной рабочим местом вершины журнала (событий в журнале: {size}, корень {root}){detail} (утверждение рабочего места о собственных действиях)",
        "saqlav jurnalı: bu haberlerniñ {n} vaqiası, sırasınen ve tolu, er biri iş yeri imzalağan jurnal başına isbatlanğan (jurnalda {size} vaqia, tamır {root}){detail} (iş yeriniñ yapqanları aqqında beyanı)",
    ),
    "; nothing of other reports is carried": (
        "; нічого з інших повідомлень не додано",
        "; ничего из других сообщений не приложено",
        "; başqa haberlerden hiç bir şey ketirilmey",
    ),
    "; nothing of other reports is carried; {n} older events carry no per-report link": (
        "; нічого з інших повідомлень не додано; давніші події ({n}) не мають прив'язки до повідомлення",
        "; ничего из других сообщений не приложено; более старые события ({n}) не имеют привязки к сообщению",
        "; başqa haberlerden hiç bir şey ketirilmey; eski vaqialar ({n}) haberge bağlı degil",
    ),
    "custody head of {n} events was anchored as entry {index} of {origin} (tree of {size}){detail}; this bundle's custody head extends it": (
        "вершину журналу зберігання (подій: {n}) закріплено як запис {index} журналу {origin} (дерево розміром {size}){detail}; вершина журналу в цьому пакеті її продовжує",
        "вершина журнала хранения (событий: {n}) закреплена как запись {index} журнала {origin} (дерево размером {size}){detail}; вершина журнала в этом пакете её продолжает",
        "saqlav jurnalınıñ başı ({n} vaqia) {origin} jurnalınıñ {index} qaydı olaraq bekitildi (terek büyükligi {size}){detail}; bu paketteki jurnal başı onı devam ete",
    ),
    " (drop key {vkey} UNPINNED)": (
        " (ключ сервера прийому {vkey} НЕ ЗАКРІПЛЕНО)",
        " (ключ сервера приёма {vkey} НЕ ЗАКРЕПЛЁН)",
        " (qabul serveriniñ {vkey} anahtarı BEKİTİLMEGEN)",
    ),
    "RFC 3161 time-stamp over the anchored custody head: {when}": (
        "позначка часу RFC 3161 над закріпленою вершиною журналу зберігання: {when}",
        "метка времени RFC 3161 над закреплённой вершиной журнала хранения: {when}",
        "bekitilgen saqlav jurnalı başı üzerinde RFC 3161 vaqıt belgisi: {when}",
    ),
    "RFC 3161 time-stamp over the anchored custody head: {when} (no --tsa-root given: its signer is not checked)": (
        "позначка часу RFC 3161 над закріпленою вершиною журналу зберігання: {when} (--tsa-root не вказано: її підписувача не перевірено)",
        "метка времени RFC 3161 над закреплённой вершиной журнала хранения: {when} (--tsa-root не указан: её подписант не проверен)",
        "bekitilgen saqlav jurnalı başı üzerinde RFC 3161 vaqıt belgisi: {when} (--tsa-root berilmedi: imzalağanı teşkerilmedi)",
    ),
    "a cosigned checkpoint of the drop's log (tree of {size}) is carried; no --witness given, so its cosignatures were not checked{detail}": (
        "додано співпідписану контрольну точку журналу сервера прийому (дерево розміром {size}); --witness не вказано, тож її співпідписи не перевірено{detail}",
        "приложена соподписанная контрольная точка журнала сервера приёма (дерево размером {size}); --witness не указан, так что её соподписи не проверены{detail}",
        "qabul serveri jurnalınıñ birlikte imzalanğan kontrol noqtası bar (terek büyükligi {size}); --witness berilmedi, bunıñ içün birlikte imzaları teşkerilmedi{detail}",
    ),
    "; not yet covered: reports {ids}": (
        "; ще не охоплено: повідомлення {ids}",
        "; ещё не охвачены: сообщения {ids}",
        "; ale qaplanmağan: haberler {ids}",
    ),
    "witnessed: {reason}; the anchor and reports {ids} are in the witnessed tree of {size}{detail}": (
        "засвідчено: {reason}; закріплення і повідомлення {ids} є в засвідченому дереві розміром {size}{detail}",
        "заверено: {reason}; закрепление и сообщения {ids} есть в заверенном дереве размером {size}{detail}",
        "şaatlandı: {reason}; bekitilüv ve {ids} haberleri büyükligi {size} olğan şaatlı terekte bar{detail}",
    ),
    "accepted: {n} of {k} required witness cosignatures valid{detail}": (
        "прийнято: дійсних співпідписів свідків {n} з {k} потрібних{detail}",
        "принято: действительных соподписей свидетелей {n} из {k} требуемых{detail}",
        "qabul etildi: kerekli {k} şaat birlikte imzasından {n} doğru{detail}",
    ),
    "NOT accepted: {n} of {k} required witness cosignatures valid{detail}": (
        "НЕ прийнято: дійсних співпідписів свідків {n} з {k} потрібних{detail}",
        "НЕ принято: действительных соподписей свидетелей {n} из {k} требуемых{detail}",
        "qabul etilMEDİ: kerekli {k} şaat birlikte imzasından {n} doğru{detail}",
    ),
    "report {rid}: {code}: {reason}": (
        "повідомлення {rid}: {code}: {reason}",
        "сообщение {rid}: {code}: {reason}",
        "haber {rid}: {code}: {reason}",
    ),
}

# `--help` of every command and option (issue 10: "--help texts where feasible"), one msgid per
# paragraph. (uk, ru, crh); the Crimean Tatar is the CLI engineer's, not yet reviewed.
CLI_HELP: dict[str, tuple[str, str, str]] = {
    '"Source 3", "Amber Fox" or the id.': ('"Source 3", "Amber Fox" або ідентифікатор.', '"Source 3", "Amber Fox" или идентификатор.', '"Source 3", "Amber Fox" ya da identifikator.'),
    "A court bundle of the given reports (all when none is given).": ("Судовий пакет зазначених повідомлень (усіх, якщо не вказано жодного).", "Судебный пакет указанных сообщений (всех, если не указано ни одного).", "Berilgen haberlerniñ mahkeme paketi (iç biri berilmese, episi)."),
    "A drop's verifier key (repeatable).": ("Ключ перевірки сервера прийому (можна повторювати).", "Ключ проверки сервера приёма (можно повторять).", "Qabul serveriniñ teşkerüv anahtarı (tekrarlamaq mümkün)."),
    "A handler's workstation (trusted; holds keys).": ("Робоче місце куратора (довірене; зберігає ключі).", "Рабочее место куратора (доверенное; хранит ключи).", "Kuratornıñ iş yeri (işanılğan; anahtarlarnı saqlay)."),
    "A name people will recognise.": ("Назва, яку люди впізнають.", "Имя, которое люди узнают.", "İnsanlar tanıycaq ad."),
    "A photo or PNG of the invitation's QR code.": ("Фото або PNG QR-коду запрошення.", "Фото или PNG QR-кода приглашения.", "Davetname QR kodunıñ resmi ya da PNG faylı."),
    "A report id or an unambiguous prefix.": ("Ідентифікатор повідомлення або його однозначний початок.", "Идентификатор сообщения или его однозначное начало.", "Haber identifikatorı ya da onıñ aydın başı."),
    "A reporter's device (one vault file).": ("Пристрій репортера (один файл сховища).", "Устройство репортёра (один файл хранилища).", "Haberci cihazı (bir kassa faylı)."),
    "A time-stamping authority's root (repeatable).": ("Кореневий сертифікат служби позначок часу (можна повторювати).", "Корневой сертификат службы меток времени (можно повторять).", "Vaqıt belgisi hizmetiniñ tamır sertifikatı (tekrarlamaq mümkün)."),
    "A witness's key (repeatable).": ("Ключ свідка (можна повторювати).", "Ключ свидетеля (можно повторять).", "Şaat anahtarı (tekrarlamaq mümkün)."),
    "All waiting, or only due ones.": ("Усі, що чекають, або лише ті, яким настав час.", "Все ожидающие или только те, которым пришло время.", "Bekleygenlerniñ episi ya da tek vaqtı kelgenler."),
    "Allow a non-loopback address (not recommended).": ("Дозволити нелокальну адресу (не рекомендовано).", "Разрешить нелокальный адрес (не рекомендуется).", "Yerli olmağan adreske izin bermek (tevsiye etilmey)."),
    "Also publish as a v3 onion service (writes DATA/torrc-onion).": ("Також опублікувати як onion-сервіс v3 (записує DATA/torrc-onion).", "Также опубликовать как onion-сервис v3 (записывает DATA/torrc-onion).", "Ayrıca v3 onion hizmeti olaraq neşir etmek (DATA/torrc-onion yaza)."),
    "Also seal reports to this key.": ("Також запечатувати повідомлення для цього ключа.", "Также запечатывать сообщения для этого ключа.", "Haberlerni bu anahtar içün de mühürlemek."),
    "Also watch this drop.": ("Також стежити за цим сервером прийому.", "Также следить за этим сервером приёма.", "Bu qabul serverini de taqip etmek."),
    "Also write a QR code PNG.": ("Також записати QR-код у PNG.", "Также записать QR-код в PNG.", "QR kodnı PNG olaraq da yazmaq."),
    "An RFC 3161 time-stamping authority.": ("Служба позначок часу RFC 3161.", "Служба меток времени RFC 3161.", "RFC 3161 vaqıt belgisi hizmeti."),
    "An analyst desk.": ("Робоче місце аналітика.", "Рабочее место аналитика.", "Analitik iş yeri."),
    "An independent witness cosigning a log's checkpoints.": ("Незалежний свідок, що співпідписує контрольні точки журналу.", "Независимый свидетель, соподписывающий контрольные точки журнала.", "Jurnalnıñ kontrol noqtalarını birlikte imzalağan mustaqil şaat."),
    "Anchor the custody log's signed head in a drop's log (run it at intervals).": ("Закріпити підписану вершину журналу зберігання в журналі сервера прийому (запускайте періодично).", "Закрепить подписанную вершину журнала хранения в журнале сервера приёма (запускайте периодически).", "Saqlav jurnalınıñ imzalı başını qabul serveriniñ jurnalında bekitmek (vaqıt-vaqıt işletiñiz)."),
    "Best-effort overwrite of the attached originals.": ("Перезаписати вкладені оригінали (без гарантії).", "Перезаписать вложенные оригиналы (без гарантии).", "İlâve etilgen asıl fayllarnıñ üstünden yazmaq (kefaletsiz)."),
    "Carry ciphertext to a drop.": ("Перенести шифротекст на сервер прийому.", "Перенести шифротекст на сервер приёма.", "Şifrelengen metinni qabul serverine ketirmek."),
    "Check a receipt, a courier's receipts file or a court bundle offline (exit 0 only if every check holds).": ("Перевірити квитанцію, файл квитанцій кур'єра або судовий пакет офлайн (код 0, лише якщо всі перевірки пройдено).", "Проверить квитанцию, файл квитанций курьера или судебный пакет офлайн (код 0, только если все проверки пройдены).", "Vesiqanı, kuryerniñ vesiqa faylını ya da mahkeme paketini internetsiz teşkermek (tek bütün teşkerüvler doğru olsa, 0 kodu)."),
    "Check an invitation and pin its keys and drop addresses (refuses a damaged code).": ("Перевірити запрошення і закріпити його ключі та адреси серверів прийому (пошкоджений код відхиляється).", "Проверить приглашение и закрепить его ключи и адреса серверов приёма (повреждённый код отклоняется).", "Davetnameni teşkermek ve anahtarlarını, qabul serveri adreslerini bekitmek (bozuq kod red etile)."),
    "Check the drop for replies from your handler and show them.": ("Перевірити, чи є на сервері прийому відповіді куратора, і показати їх.", "Проверить, есть ли на сервере приёма ответы куратора, и показать их.", "Qabul serverinde kuratordan cevaplar bar-yoqnı teşkermek ve olarnı köstermek."),
    "Codes: {codes}.": ("Коди: {codes}.", "Коды: {codes}.", "Kodlar: {codes}."),
    "Create the desk's keys, encrypted at rest under a passphrase.": ("Створити ключі робочого місця, зашифровані парольною фразою при зберіганні.", "Создать ключи рабочего места, зашифрованные парольной фразой при хранении.", "İş yeriniñ anahtarlarını yaratmaq, saqlavda parol ibaresi ile şifrelengen."),
    "Create the drop's log key and storage; print its verifier key (C2SP vkey).": ("Створити ключ журналу і сховище сервера прийому; вивести ключ перевірки (C2SP vkey).", "Создать ключ журнала и хранилище сервера приёма; вывести ключ проверки (C2SP vkey).", "Qabul serveriniñ jurnal anahtarını ve saqlavını yaratmaq; teşkerüv anahtarını (C2SP vkey) köstermek."),
    "Create the fixed-size vault (it looks like random data).": ("Створити сховище фіксованого розміру (воно виглядає як випадкові дані).", "Создать хранилище фиксированного размера (оно выглядит как случайные данные).", "Sabit büyüklikte kassa yaratmaq (o tesadüfiy malümat kibi körüne)."),
    "Create the witness's Ed25519 cosigning key; print its verifier key (vkey).": ("Створити ключ співпідпису свідка Ed25519; вивести ключ перевірки (vkey).", "Создать ключ соподписи свидетеля Ed25519; вывести ключ проверки (vkey).", "Şaatnıñ Ed25519 birlikte imzalav anahtarını yaratmaq; teşkerüv anahtarını (vkey) köstermek."),
    "Default: the first drop.": ("Типово: перший сервер прийому.", "По умолчанию: первый сервер приёма.", "Ögdeki: birinci qabul serveri."),
    "Destroy the real contents in place; the file keeps its size and looks the same.": ("Знищити справжній вміст на місці; файл зберігає розмір і виглядає так само.", "Уничтожить настоящее содержимое на месте; файл сохраняет размер и выглядит так же.", "Aqiqiy içindekilerni yerinde yoq etmek; fayl büyükligini saqlay ve ayniy körüne."),
    "Do not ask for confirmation.": ("Не питати підтвердження.", "Не спрашивать подтверждения.", "Tasdıq sormamaq."),
    "Do not hash new photos first.": ("Не обчислювати спершу хеші нових фото.", "Не вычислять сначала хеши новых фото.", "Evelâ yañı resimlerniñ heşlerini esaplamamaq."),
    "Exit 0 even if reports carry flags.": ("Код 0, навіть якщо повідомлення мають позначки.", "Код 0, даже если у сообщений есть отметки.", "Haberler belgili olsa da, 0 kodu."),
    "Exits 1 when a drop is unreachable, shows a fork, or misbehaves.": ("Код 1, коли сервер прийому недоступний, показує розгалуження або поводиться неправильно.", "Код 1, когда сервер приёма недоступен, показывает разветвление или ведёт себя неправильно.", "Qabul serverine barılıp olmasa, çatallanuv kösterse ya da yañlış davransa, 1 kodu."),
    "Fetch new envelopes from the known drops, open and verify our own; send queued replies.": ("Отримати нові конверти з відомих серверів прийому, відкрити й перевірити свої; надіслати відповіді з черги.", "Получить новые конверты с известных серверов приёма, открыть и проверить свои; отправить ответы из очереди.", "Belli qabul serverlerinden yañı zarflarnı almaq, özümizninkilerni açıp teşkermek; sıradaki cevaplarnı yibermek."),
    "Folder for the log key and storage.": ("Тека для ключа журналу і сховища.", "Папка для ключа журнала и хранилища.", "Jurnal anahtarı ve saqlav içün papka."),
    "Folder for the witness key and state.": ("Тека для ключа і стану свідка.", "Папка для ключа и состояния свидетеля.", "Şaat anahtarı ve alı içün papka."),
    "Harmless content the decoy shows (repeat for several notes).": ("Безпечний вміст, який показує приманка (повторіть для кількох нотаток).", "Безобидное содержимое, которое показывает приманка (повторите для нескольких заметок).", "Aldatma kösterecek zararsız içindekiler (bir qaç qayd içün tekrarlañız)."),
    "How many must cosign (default: all).": ("Скільки мають співпідписати (типово: усі).", "Сколько должны соподписать (по умолчанию: все).", "Qaç dane birlikte imzalamalı (ögdeki: episi)."),
    "How many sample reports.": ("Скільки зразкових повідомлень.", "Сколько образцовых сообщений.", "Qaç nümune haber."),
    'Incidents: "supported by N reports from K independent sources" (no protected details).': ("Інциденти: «підтверджено N повідомленнями з K незалежних джерел» (без захищених подробиць).", "Инциденты: «подтверждено N сообщениями из K независимых источников» (без защищённых подробностей).", "Vaqialar: «K mustaqil menbadan N haber ile tasdıqlanğan» (qorçalanğan tafsilâtsız)."),
    "Keep the demo folder afterwards.": ("Залишити теку демонстрації після завершення.", "Оставить папку демонстрации после завершения.", "Soñundan demo papkasını saqlamaq."),
    "Machine-readable output.": ("Машинозчитуваний вивід.", "Машиночитаемый вывод.", "Maşina oqup olğan çıqış."),
    "Mark a source key compromised: its reports are flagged, not trusted (undo: restore).": ("Позначити ключ джерела скомпрометованим: його повідомлення позначаються як недовірені (скасування: restore).", "Пометить ключ источника скомпрометированным: его сообщения помечаются как недоверенные (отмена: restore).", "Menba anahtarını ele keçirilgen dep belgilemek: onıñ haberleri belgilene, işanılmay (lâğu: restore)."),
    "Mean random send delay, s.": ("Середня випадкова затримка надсилання, с.", "Средняя случайная задержка отправки, с.", "Ortalama tesadüfiy yiberüv keçikmesi, s."),
    "Name, role, fingerprint and public key (no passphrase needed).": ("Назва, роль, відбиток і публічний ключ (парольна фраза не потрібна).", "Имя, роль, отпечаток и публичный ключ (парольная фраза не нужна).", "Ad, rol, parmaq izi ve açıq anahtar (parol ibaresi kerek degil)."),
    "Newest first by this time.": ("Спершу найновіші за цим часом.", "Сначала самые новые по этому времени.", "Bu vaqıtqa köre evelâ eñ yañıları."),
    "ORIGIN=VKEY of a log to follow; repeat for more logs or keys.": ("ORIGIN=VKEY журналу, за яким стежити; повторіть для інших журналів чи ключів.", "ORIGIN=VKEY журнала, за которым следить; повторите для других журналов или ключей.", "Taqip etilecek jurnalnıñ ORIGIN=VKEY; başqa jurnallar ya da anahtarlar içün tekrarlañız."),
    "On an analyst desk: pin a handler desk's public key; its shares are trusted.": ("На робочому місці аналітика: закріпити публічний ключ робочого місця куратора; передане ним вважається довіреним.", "На рабочем месте аналитика: закрепить публичный ключ рабочего места куратора; переданное им считается доверенным.", "Analitik iş yerinde: kurator iş yeriniñ açıq anahtarını bekitmek; onıñ paylaşqanlarına işanıla."),
    "One report, with its verification, flags and triage.": ("Одне повідомлення з перевіркою, позначками і первинною оцінкою.", "Одно сообщение с проверкой, отметками и первичной оценкой.", "Bir haber, teşkerüvi, belgileri ve ilk qıymetlendirmesi ile."),
    "Onion service in single-hop mode: faster, but the drop's location is NOT hidden.": ("Onion-сервіс в однокроковому режимі: швидше, але розташування сервера прийому НЕ приховане.", "Onion-сервис в одношаговом режиме: быстрее, но расположение сервера приёма НЕ скрыто.", "Bir adımlı rejimde onion hizmeti: daa tez, amma qabul serveriniñ yeri GİZLENMEY."),
    "Only reports with a flag.": ("Лише повідомлення з позначкою.", "Только сообщения с отметкой.", "Tek belgili haberler."),
    "Only show stored replies.": ("Лише показати збережені відповіді.", "Только показать сохранённые ответы.", "Tek saqlanğan cevaplarnı köstermek."),
    "Print a one-time invitation code (and write its QR code).": ("Вивести код одноразового запрошення (і записати його QR-код).", "Вывести код одноразового приглашения (и записать его QR-код).", "Bir kerelik davetname kodunı köstermek (ve QR kodunı yazmaq)."),
    "Print one JSON document on stdout and nothing else there.": ("Вивести один документ JSON у stdout і більше нічого.", "Вывести один документ JSON в stdout и больше ничего.", "stdout-qa tek bir JSON vesiqası çıqarmaq, başqa bir şey degil."),
    "Queue an encrypted reply to the report's source and send it; if the drop is unreachable it stays queued (sent by `desk send` or the next `desk fetch`).": ("Поставити в чергу зашифровану відповідь джерелу повідомлення і надіслати її; якщо сервер прийому недоступний, вона лишається в черзі (її надішле `desk send` або наступний `desk fetch`).", "Поставить в очередь зашифрованный ответ источнику сообщения и отправить его; если сервер приёма недоступен, он остаётся в очереди (его отправит `desk send` или следующий `desk fetch`).", "Haber menbasına şifrelengen cevapnı sırağa qoymaq ve yibermek; qabul serverine barılıp olmasa, sırada qala (onı `desk send` ya da soñraki `desk fetch` yiberir)."),
    "Recorded in custody.": ("Записується в журнал зберігання.", "Записывается в журнал хранения.", "Saqlav jurnalına yazıla."),
    "Repeat the option for several.": ("Для кількох значень повторіть параметр.", "Для нескольких значений повторите параметр.", "Bir qaç qıymet içün parametrni tekrarlañız."),
    "Report ids (default: all).": ("Ідентифікатори повідомлень (типово: усі).", "Идентификаторы сообщений (по умолчанию: все).", "Haber identifikatorları (ögdeki: episi)."),
    "Require a one-time code (RFC 6238) at the web desk's login, or stop requiring it.": ("Вимагати одноразовий код (RFC 6238) під час входу до вебробочого місця або перестати вимагати.", "Требовать одноразовый код (RFC 6238) при входе в веб-рабочее место или перестать требовать.", "Veb iş yerine kirgende bir kerelik kod (RFC 6238) talap etmek ya da talap etmekni toqtatmaq."),
    "Seal a report into the outbox (prints nothing about its content).": ("Запечатати повідомлення у вихідні (нічого не виводить про його вміст).", "Запечатать сообщение в исходящие (ничего не выводит о его содержимом).", "Habernı çıqış qutusına mühürlemek (içindekiler aqqında hiç bir şey köstermey)."),
    "Seal chosen reports (or an incident's), de-identified, to an analyst desk through the drop. The free text goes only if approved (--text-approved, or yes at the preview).": ("Запечатати вибрані повідомлення (або повідомлення інциденту) знеособлено для робочого місця аналітика через сервер прийому. Вільний текст передається лише зі схваленням (--text-approved або «так» під час перегляду).", "Запечатать выбранные сообщения (или сообщения инцидента) обезличенно для рабочего места аналитика через сервер приёма. Свободный текст передаётся только с одобрением (--text-approved или «да» при просмотре).", "Saylanğan haberlerni (ya da vaqianıñkilerni) şahsiyetsizleştirip qabul serveri vastasınen analitik iş yerine mühürlemek. Serbest metin tek razılıq ile keter (--text-approved ya da ögden baquvda «ebet»)."),
    "Send queued replies.": ("Надіслати відповіді з черги.", "Отправить ответы из очереди.", "Sıradaki cevaplarnı yibermek."),
    "Send what is due (``--now``: ignore the random delays).": ("Надіслати те, чому настав час (``--now``: ігнорувати випадкові затримки).", "Отправить то, чему пришло время (``--now``: игнорировать случайные задержки).", "Vaqtı kelgenni yibermek (``--now``: tesadüfiy keçikmelerni saymamaq)."),
    "Serve POST /add-checkpoint (C2SP tlog-witness) for the logs given with --log.": ("Обслуговувати POST /add-checkpoint (C2SP tlog-witness) для журналів, заданих через --log.", "Обслуживать POST /add-checkpoint (C2SP tlog-witness) для журналов, заданных через --log.", "--log ile berilgen jurnallar içün POST /add-checkpoint (C2SP tlog-witness) hizmet etmek."),
    "Serve the intake API and the log (C2SP tlog-tiles under /log/).": ("Обслуговувати API прийому і журнал (C2SP tlog-tiles у /log/).", "Обслуживать API приёма и журнал (C2SP tlog-tiles в /log/).", "Qabul API-ni ve jurnalnı hizmet etmek (/log/ altında C2SP tlog-tiles)."),
    "Server processes on one log.": ("Серверні процеси на одному журналі.", "Серверные процессы на одном журнале.", "Bir jurnalda server protsessleri."),
    "Set the duress passphrase (TYSHA_DECOY_PASSPHRASE) and its decoy content.": ("Задати парольну фразу під примусом (TYSHA_DECOY_PASSPHRASE) і вміст приманки.", "Задать парольную фразу под принуждением (TYSHA_DECOY_PASSPHRASE) и содержимое приманки.", "Mecburiyet parol ibaresini (TYSHA_DECOY_PASSPHRASE) ve aldatma içindekilerini bermek."),
    "Share through this drop.": ("Передати через цей сервер прийому.", "Передать через этот сервер приёма.", "Bu qabul serveri vastasınen paylaşmaq."),
    "Show (or add) the plain notes kept in the vault.": ("Показати (або додати) прості нотатки, що зберігаються у сховищі.", "Показать (или добавить) простые заметки, хранящиеся в хранилище.", "Kassada saqlanğan sade qaydlarnı köstermek (ya da qoşmaq)."),
    "Start a drop and a desk, enrol a sample source, send sample reports.": ("Запустити сервер прийому і робоче місце, підключити зразкове джерело, надіслати зразкові повідомлення.", "Запустить сервер приёма и рабочее место, подключить образцовый источник, отправить образцовые сообщения.", "Qabul serverini ve iş yerini işletmek, nümune menbanı qoşmaq, nümune haberler yibermek."),
    'Start a private Tor through this bridge ("obfs4 …" or "snowflake …").': ('Запустити приватний Tor через цей міст ("obfs4 …" або "snowflake …").', 'Запустить частный Tor через этот мост ("obfs4 …" или "snowflake …").', 'Bu köpür vastasınen hususiy Tor işletmek ("obfs4 …" ya da "snowflake …").'),
    "Start an incident from the given reports.": ("Створити інцидент із зазначених повідомлень.", "Создать инцидент из указанных сообщений.", "Berilgen haberlerden vaqia yaratmaq."),
    "Stop after fetching (tests, CI).": ("Зупинитися після отримання (тести, CI).", "Остановиться после получения (тесты, CI).", "Alğandan soñ toqtamaq (testler, CI)."),
    "Suggestions to review: duplicate and near-duplicate media, reports close in time and place. Never merged automatically: confirm one with `desk incidents --create`.": ("Пропозиції для перегляду: однакові й майже однакові медіа, повідомлення, близькі за часом і місцем. Ніколи не об'єднуються автоматично: підтвердьте через `desk incidents --create`.", "Предложения для просмотра: одинаковые и почти одинаковые медиа, сообщения, близкие по времени и месту. Никогда не объединяются автоматически: подтвердите через `desk incidents --create`.", "Baqıp çıqmaq içün teklifler: ayniy ve ayniyge yaqın medialar, vaqıt ve yer boyunca yaqın haberler. Asla özü birleştirilmey: `desk incidents --create` ile tasdıqlañız."),
    "The TCP port to listen on.": ("TCP-порт для прослуховування.", "TCP-порт для прослушивания.", "Diñlenecek TCP portu."),
    "The address to listen on (keep 127.0.0.1 unless you know why not).": ("Адреса для прослуховування (лишайте 127.0.0.1, якщо не знаєте, чому інакше).", "Адрес для прослушивания (оставляйте 127.0.0.1, если не знаете, почему иначе).", "Diñlenecek adres (neden başqa olacağını bilmeseñiz, 127.0.0.1 qaldırıñız)."),
    "The analyst desk's public key (pinned out of band).": ("Публічний ключ робочого місця аналітика (закріплений іншим каналом).", "Публичный ключ рабочего места аналитика (закреплённый другим каналом).", "Analitik iş yeriniñ açıq anahtarı (başqa yol ile bekitilgen)."),
    "The decoy's own passphrase comes from TYSHA_DECOY_PASSPHRASE.": ("Власна парольна фраза приманки береться з TYSHA_DECOY_PASSPHRASE.", "Собственная парольная фраза приманки берётся из TYSHA_DECOY_PASSPHRASE.", "Aldatmanıñ öz parol ibaresi TYSHA_DECOY_PASSPHRASE-dan alına."),
    "The desk folder (passphrase: TYSHA_PASSPHRASE or a prompt).": ("Тека робочого місця (парольна фраза: TYSHA_PASSPHRASE або запит).", "Папка рабочего места (парольная фраза: TYSHA_PASSPHRASE или запрос).", "İş yeri papkası (parol ibaresi: TYSHA_PASSPHRASE ya da sual)."),
    "The desk's public key or fingerprint.": ("Публічний ключ або відбиток робочого місця.", "Публичный ключ или отпечаток рабочего места.", "İş yeriniñ açıq anahtarı ya da parmaq izi."),
    "The desk's web interface, on loopback.": ("Вебінтерфейс робочого місця на локальній адресі.", "Веб-интерфейс рабочего места на локальном адресе.", "İş yeriniñ veb interfeysi, yerli adreste."),
    "The drop's address, e.g. http://127.0.0.1:8080.": ("Адреса сервера прийому, напр. http://127.0.0.1:8080.", "Адрес сервера приёма, напр. http://127.0.0.1:8080.", "Qabul serveriniñ adresi, meselâ http://127.0.0.1:8080."),
    "The drop's address; repeat for its other addresses (onion, mirrors), in order.": ("Адреса сервера прийому; повторіть для інших його адрес (onion, дзеркала), по порядку.", "Адрес сервера приёма; повторите для других его адресов (onion, зеркала), по порядку.", "Qabul serveriniñ adresi; onıñ başqa adresleri (onion, aynalar) içün sırasınen tekrarlañız."),
    "The drop's log key (C2SP vkey), as `tysha drop init` printed it.": ("Ключ журналу сервера прийому (C2SP vkey), як його вивів `tysha drop init`.", "Ключ журнала сервера приёма (C2SP vkey), как его вывел `tysha drop init`.", "Qabul serveriniñ jurnal anahtarı (C2SP vkey), `tysha drop init` kösterdigi kibi."),
    "The drop's origin, verifier key and current tree.": ("Назва журналу, ключ перевірки і поточне дерево сервера прийому.", "Имя журнала, ключ проверки и текущее дерево сервера приёма.", "Qabul serveriniñ jurnal adı, teşkerüv anahtarı ve şimdiki tereki."),
    "The file to write.": ("Файл, який записати.", "Файл, который записать.", "Yazılacaq fayl."),
    "The intake server (untrusted; ciphertext and the log).": ("Сервер прийому (недовірений; шифротекст і журнал).", "Сервер приёма (недоверенный; шифротекст и журнал).", "Qabul serveri (işanılmağan; şifrelengen metin ve jurnal)."),
    "The invitation code (text).": ("Код запрошення (текст).", "Код приглашения (текст).", "Davetname kodu (metin)."),
    "The invitation code your handler gave you.": ("Код запрошення, який дав вам куратор.", "Код приглашения, который дал вам куратор.", "Kuratoruñız bergen davetname kodu."),
    "The log's name (checkpoint origin).": ("Назва журналу (origin контрольної точки).", "Имя журнала (origin контрольной точки).", "Jurnalnıñ adı (kontrol noqtasınıñ origin)."),
    "The organisation's escrow desk.": ("Депозитарне робоче місце організації.", "Депозитарное рабочее место организации.", "Teşkilâtnıñ emanetçi iş yeri."),
    "The passphrase is asked on the terminal; scripts set TYSHA_PASSPHRASE.": ("Парольну фразу запитують у терміналі; скрипти задають TYSHA_PASSPHRASE.", "Парольную фразу запрашивают в терминале; скрипты задают TYSHA_PASSPHRASE.", "Parol ibaresi terminalde sorala; skriptler TYSHA_PASSPHRASE bereler."),
    "The reports in this desk, newest first, with their flags.": ("Повідомлення на цьому робочому місці, спершу найновіші, з позначками.", "Сообщения на этом рабочем месте, сначала самые новые, с отметками.", "Bu iş yerindeki haberler, evelâ eñ yañıları, belgileri ile."),
    "The reports' free text was reviewed: share it.": ("Вільний текст повідомлень переглянуто: передати його.", "Свободный текст сообщений просмотрен: передать его.", "Haberlerniñ serbest metni baqıp çıqıldı: onı paylaşmaq."),
    "The text (quote it in the shell).": ("Текст (у командному рядку візьміть у лапки).", "Текст (в командной строке возьмите в кавычки).", "Metin (komanda satırında tırnaq içine alıñız)."),
    "The vault file.": ("Файл сховища.", "Файл хранилища.", "Kassa faylı."),
    "The witness's key name (e.g. example.org/w1).": ("Назва ключа свідка (напр. example.org/w1).", "Имя ключа свидетеля (напр. example.org/w1).", "Şaat anahtarınıñ adı (meselâ example.org/w1)."),
    "Through the local Tor (TYSHA_TOR or 127.0.0.1:9050).": ("Через локальний Tor (TYSHA_TOR або 127.0.0.1:9050).", "Через локальный Tor (TYSHA_TOR или 127.0.0.1:9050).", "Yerli Tor vastasınen (TYSHA_TOR ya da 127.0.0.1:9050)."),
    "Tysha: secure documentation of abuses — source, drop, desk, courier, verification. Passphrases are asked on the terminal; scripts set TYSHA_PASSPHRASE (vault or desk) and TYSHA_DECOY_PASSPHRASE. Messages follow TYSHA_LANG or LANG (uk, ru, crh, en).": (
        "Тиша: безпечне документування порушень — джерело, сервер прийому, робоче місце, кур'єр, перевірка. Парольні фрази запитують у терміналі; скрипти задають TYSHA_PASSPHRASE (сховище чи робоче місце) і TYSHA_DECOY_PASSPHRASE. Мова повідомлень — за TYSHA_LANG або LANG (uk, ru, crh, en).",
        "Тиша: безопасное документирование нарушений — источник, сервер приёма, рабочее место, курьер, проверка. Парольные фразы запрашивают в терминале; скрипты задают TYSHA_PASSPHRASE (хранилище или рабочее место) и TYSHA_DECOY_PASSPHRASE. Язык сообщений — по TYSHA_LANG или LANG (uk, ru, crh, en).",
        "Tışa: zorbalıqlarnı emniyetli vesiqalav — menba, qabul serveri, iş yeri, kuryer, teşkerüv. Parol ibareleri terminalde sorala; skriptler TYSHA_PASSPHRASE (kassa ya da iş yeri) ve TYSHA_DECOY_PASSPHRASE bereler. Bildirüvler tili TYSHA_LANG ya da LANG boyunca (uk, ru, crh, en).",
    ),
    "Undo a revocation: the source's key is trusted again.": ("Скасувати відкликання: ключу джерела знову довіряють.", "Отменить отзыв: ключу источника снова доверяют.", "Qaytarıp aluvnı lâğu etmek: menba anahtarına kene işanıla."),
    "Upload a source's export file; write the receipts file for the source.": ("Вивантажити файл експорту джерела; записати файл квитанцій для джерела.", "Выгрузить файл экспорта источника; записать файл квитанций для источника.", "Menbanıñ eksport faylını yüklemek; menba içün vesiqa faylını yazmaq."),
    "Use this drop address instead.": ("Натомість використати цю адресу сервера прийому.", "Вместо этого использовать этот адрес сервера приёма.", "Yerine bu qabul serveri adresini qullanmaq."),
    "Uwazi CSVs (entities and thesauri) of the given reports (all when none is given).": ("CSV для Uwazi (сутності й тезауруси) зазначених повідомлень (усіх, якщо не вказано жодного).", "CSV для Uwazi (сущности и тезаурусы) указанных сообщений (всех, если не указано ни одного).", "Berilgen haberlerniñ Uwazi CSV faylları (varlıqlar ve tezauruslar) (iç biri berilmese, episi)."),
    "Verify and apply the receipts a courier brought back.": ("Перевірити й застосувати квитанції, які приніс кур'єр.", "Проверить и применить квитанции, которые принёс курьер.", "Kuryer ketirgen vesiqalarnı teşkerip qullanmaq."),
    "Web desk port (another if taken).": ("Порт вебробочого місця (інший, якщо зайнятий).", "Порт веб-рабочего места (другой, если занят).", "Veb iş yeri portu (meşğul olsa, başqası)."),
    "What waits to be sent: ids and size buckets, never content.": ("Що чекає на надсилання: ідентифікатори й розмірні групи, ніколи не вміст.", "Что ждёт отправки: идентификаторы и размерные группы, никогда не содержимое.", "Yiberilmege bekleygenler: identifikatorlar ve büyüklik gruppaları, asla içindekiler degil."),
    "When it happened, ISO 8601: 2026-03-01, 2026-03-01T10:20 (local time there) or with a zone, 2026-03-01T10:20+03:00.": ("Коли це сталося, ISO 8601: 2026-03-01, 2026-03-01T10:20 (місцевий час там) або з поясом, 2026-03-01T10:20+03:00.", "Когда это произошло, ISO 8601: 2026-03-01, 2026-03-01T10:20 (местное время там) или с поясом, 2026-03-01T10:20+03:00.", "Ne vaqıt oldı, ISO 8601: 2026-03-01, 2026-03-01T10:20 (andaki yerli vaqıt) ya da quşaq ile, 2026-03-01T10:20+03:00."),
    "Where it happened, in your own words.": ("Де це сталося, своїми словами.", "Где это произошло, своими словами.", "Nerede oldı, öz sözleriñiz ile."),
    "Who decides (for custody).": ("Хто вирішує (для журналу зберігання).", "Кто решает (для журнала хранения).", "Kim qarar bere (saqlav jurnalı içün)."),
    "With --no-serve: print a JSON summary.": ("З --no-serve: вивести підсумок у JSON.", "С --no-serve: вывести сводку в JSON.", "--no-serve ile: JSON hulâsasını köstermek."),
    "Work bits per 64 KiB unit.": ("Біти роботи на одиницю 64 КіБ.", "Биты работы на единицу 64 КиБ.", "64 KiB birligi başına iş bitleri."),
    "Write the waiting envelopes as one padded ciphertext file for a courier.": ("Записати конверти, що чекають, одним доповненим файлом шифротексту для кур'єра.", "Записать ожидающие конверты одним дополненным файлом шифротекста для курьера.", "Bekleygen zarflarnı kuryer içün bir toldurılğan şifrelengen fayl olaraq yazmaq."),
    # Typer's and Click's own words on the help screens
    "Arguments": ("Аргументи", "Аргументы", "Argumentler"),
    "Options": ("Параметри", "Параметры", "Parametrler"),
    "Commands": ("Команди", "Команды", "Emirler"),
    "[default: {}]": ("[типово: {}]", "[по умолчанию: {}]", "[ögdeki: {}]"),
    "[required]": ("[обов'язково]", "[обязательно]", "[mecburiy]"),
    "[env var: {}]": ("[змінна середовища: {}]", "[переменная окружения: {}]", "[muhit deñişkeni: {}]"),
    "Show this message and exit.": ("Показати цю довідку і вийти.", "Показать эту справку и выйти.", "Bu yardımnı köstermek ve çıqmaq."),
    "postgresql://… instead of SQLite.": ("postgresql://… замість SQLite.", "postgresql://… вместо SQLite.", "SQLite yerine postgresql://…"),
    "s3://BUCKET/PREFIX: envelopes in an S3-compatible store.": ("s3://BUCKET/PREFIX: конверти в S3-сумісному сховищі.", "s3://BUCKET/PREFIX: конверты в S3-совместимом хранилище.", "s3://BUCKET/PREFIX: S3 ile uyğun saqlavda zarflar."),
}

# `tysha verify` refusing a bundle (tysha.evidence.bundle): "step N (what): why", each part
# translated at the face. (uk, ru, crh); the Crimean Tatar is the CLI engineer's, not reviewed.
CLI_REFUSALS: dict[str, tuple[str, str, str]] = {
    "step {n} ({what}): {reason}": ("крок {n} ({what}): {reason}", "шаг {n} ({what}): {reason}", "{n}-nci adım ({what}): {reason}"),
    "bundle readable": ("пакет читається", "пакет читается", "paket oqula"),
    "desk signature": ("підпис робочого місця", "подпись рабочего места", "iş yeriniñ imzası"),
    "files": ("файли", "файлы", "fayllar"),
    "custody": ("журнал зберігання", "журнал хранения", "saqlav jurnalı"),
    "custody log": ("журнал зберігання", "журнал хранения", "saqlav jurnalı"),
    "custody anchor": ("закріплення журналу зберігання", "закрепление журнала хранения", "saqlav jurnalınıñ bekitilüvi"),
    "witnesses": ("свідки", "свидетели", "şaatlar"),
    "report {rid}": ("повідомлення {rid}", "сообщение {rid}", "haber {rid}"),
    "report {rid}, drop log": ("повідомлення {rid}, журнал сервера прийому", "сообщение {rid}, журнал сервера приёма", "haber {rid}, qabul serveriniñ jurnalı"),
    "report {rid}, envelope": ("повідомлення {rid}, конверт", "сообщение {rid}, конверт", "haber {rid}, zarf"),
    "report {rid}, capture": ("повідомлення {rid}, зйомка", "сообщение {rid}, съёмка", "haber {rid}, çekiliş"),
    "a part is missing": ("бракує частини", "не хватает части", "bir parça yoq"),
    "a field has the wrong type": ("поле має неправильний тип", "поле имеет неправильный тип", "bir meydannıñ tipi yañlış"),
    "not well-formed": ("неправильно сформовано", "неправильно сформировано", "doğru şekillenmegen"),
    "{name} was altered (SHA-256 differs)": ("{name} змінено (SHA-256 відрізняється)", "{name} изменён (SHA-256 отличается)", "{name} deñiştirilgen (SHA-256 farqlı)"),
    "{name} is missing": ("{name} бракує", "{name} отсутствует", "{name} yoq"),
    "{name} is unreadable ({reason})": ("{name} не читається ({reason})", "{name} не читается ({reason})", "{name} oqulmay ({reason})"),
    "{name} is not a member a bundle holds": ("{name} — не елемент, який буває в пакеті", "{name} — не элемент, который бывает в пакете", "{name} pakette olğan element degil"),
    "unlisted members present: {names}": ("є елементи поза переліком: {names}", "есть элементы вне списка: {names}", "cedvelde olmağan elementler bar: {names}"),
    "report {rid} has no {part}": ("у повідомлення {rid} немає {part}", "у сообщения {rid} нет {part}", "{rid} haberinde {part} yoq"),
    "{a} or {b} is missing": ("бракує {a} або {b}", "отсутствует {a} или {b}", "{a} ya da {b} yoq"),
    "a report or flag is malformed ({reason})": ("повідомлення чи позначка має неправильну форму ({reason})", "сообщение или отметка имеет неправильную форму ({reason})", "haber ya da belgi yañlış şekilli ({reason})"),
    "{name} does not match the signed reports and flags": ("{name} не відповідає підписаним повідомленням і позначкам", "{name} не соответствует подписанным сообщениям и отметкам", "{name} imzalanğan haberlerge ve belgilerge uymay"),
    "{name} does not match the signed data": ("{name} не відповідає підписаним даним", "{name} не соответствует подписанным данным", "{name} imzalanğan malümatqa uymay"),
    "a report is malformed ({reason})": ("повідомлення має неправильну форму ({reason})", "сообщение имеет неправильную форму ({reason})", "haber yañlış şekilli ({reason})"),
    "the index and report members exceed {n} bytes": ("індекс і елементи повідомлень перевищують {n} байтів", "индекс и элементы сообщений превышают {n} байт", "indeks ve haber elementleri {n} bayttan aşa"),
    "receipt.json is malformed ({reason})": ("receipt.json має неправильну форму ({reason})", "receipt.json имеет неправильную форму ({reason})", "receipt.json yañlış şekilli ({reason})"),
    "the receipt names another drop key than the bundle's index": ("квитанція називає інший ключ сервера прийому, ніж індекс пакета", "квитанция называет другой ключ сервера приёма, чем индекс пакета", "vesiqa paket indeksindekinden başqa qabul serveri anahtarını köstere"),
    "logged by drop key {vkey}, not a pinned one": ("записано ключем сервера прийому {vkey}, не закріпленим", "записано ключом сервера приёма {vkey}, не закреплённым", "bekitilmegen {vkey} qabul serveri anahtarı ile yazılğan"),
    "report.json's {key} is not the logged receipt's": ("{key} у report.json не збігається з записаною квитанцією", "{key} в report.json не совпадает с записанной квитанцией", "report.json içindeki {key} yazılğan vesiqanıñkine uymay"),
    "report.json's checkpoint is not the receipt's": ("контрольна точка в report.json не збігається з квитанцією", "контрольная точка в report.json не совпадает с квитанцией", "report.json içindeki kontrol noqtası vesiqanıñkine uymay"),
    "the envelope holds a reply, not a report": ("у конверті відповідь, а не повідомлення", "в конверте ответ, а не сообщение", "zarfta haber degil, cevap bar"),
    "the anchor carries no witnessed checkpoint": ("закріплення не містить засвідченої контрольної точки", "закрепление не содержит заверенной контрольной точки", "bekitilüvde şaatlı kontrol noqtası yoq"),
    "the bundle carries no witnessed checkpoint, and --witness was given": ("пакет не містить засвідченої контрольної точки, а --witness вказано", "пакет не содержит заверенной контрольной точки, а --witness указан", "paketde şaatlı kontrol noqtası yoq, amma --witness berildi"),
    "incomplete or malformed ({reason})": ("неповне або неправильної форми ({reason})", "неполное или неправильной формы ({reason})", "tolu degil ya da yañlış şekilli ({reason})"),
    "member {name} appears twice": ("елемент {name} трапляється двічі", "элемент {name} встречается дважды", "{name} elementi eki kere bar"),
    "member name {name} is not allowed": ("назва елемента {name} недопустима", "имя элемента {name} недопустимо", "{name} element adına izin yoq"),
    "member {name} declares a negative size": ("елемент {name} заявляє від'ємний розмір", "элемент {name} заявляет отрицательный размер", "{name} elementi menfiy büyüklik bildire"),
    "{name} declares {size} bytes (at most {cap})": ("{name} заявляє {size} байтів (не більше {cap})", "{name} заявляет {size} байт (не более {cap})", "{name} {size} bayt bildire (eñ çoq {cap})"),
    "{name} expands {n}-fold (a compression bomb)": ("{name} розширюється в {n} разів (стискальна бомба)", "{name} расширяется в {n} раз (бомба сжатия)", "{name} {n} qat genişley (sıqıştıruv bombası)"),
    "{n} bytes declared (at most {max})": ("заявлено {n} байтів (не більше {max})", "заявлено {n} байт (не более {max})", "{n} bayt bildirildi (eñ çoq {max})"),
    "{n} members (at most {max})": ("елементів {n} (не більше {max})", "элементов {n} (не более {max})", "{n} element (eñ çoq {max})"),
    "signed by fingerprint {fp}, not by the pinned desk key": ("підписано відбитком {fp}, а не закріпленим ключем робочого місця", "подписано отпечатком {fp}, а не закреплённым ключом рабочего места", "{fp} parmaq izi ile imzalanğan, bekitilgen iş yeri anahtarı ile degil"),
    "report.json or the bundled files differ from what the source signed in the logged envelope: {what}": ("report.json або файли пакета відрізняються від того, що джерело підписало в записаному конверті: {what}", "report.json или файлы пакета отличаются от того, что источник подписал в записанном конверте: {what}", "report.json ya da paket faylları menbanıñ yazılğan zarfta imzalağanından farqlı: {what}"),
    # the bundle's own refusals (tysha.evidence.bundle raises)
    "--desk-key is not a readable desk public key": ("--desk-key — не читабельний публічний ключ робочого місця", "--desk-key — не читаемый публичный ключ рабочего места", "--desk-key oqulğan iş yeri açıq anahtarı degil"),
    "--desk-key is the desk's fingerprint (30 digits) or public key, as `tysha desk info --json` gives them": ("--desk-key — це відбиток (30 цифр) або публічний ключ робочого місця, як їх дає `tysha desk info --json`", "--desk-key — это отпечаток (30 цифр) или публичный ключ рабочего места, как их даёт `tysha desk info --json`", "--desk-key iş yeriniñ parmaq izi (30 raqam) ya da açıq anahtarı, `tysha desk info --json` bergeni kibi"),
    "{name} has no capture attestation": ("{name} не має засвідчення зйомки", "у {name} нет удостоверения съёмки", "{name} çekiliş tasdıqı yoq"),
    "{name} holds less than its declared size": ("{name} містить менше за заявлений розмір", "{name} содержит меньше заявленного размера", "{name} bildirilgen büyükliginden az tuta"),
    "{name} holds more than its declared size": ("{name} містить більше за заявлений розмір", "{name} содержит больше заявленного размера", "{name} bildirilgen büyükliginden çoq tuta"),
    "{name} is larger than {n} bytes": ("{name} більший за {n} байтів", "{name} больше {n} байт", "{name} {n} bayttan büyük"),
    "{name} is too large": ("{name} завеликий", "{name} слишком велик", "{name} pek büyük"),
    "{name}: the attestation is for another file": ("{name}: засвідчення стосується іншого файлу", "{name}: удостоверение относится к другому файлу", "{name}: tasdıq başqa faylğa ait"),
    "a member is not well-formed JSON": ("елемент — неправильно сформований JSON", "элемент — неправильно сформированный JSON", "element doğru şekillenmegen JSON"),
    "a report is listed twice": ("повідомлення перелічено двічі", "сообщение перечислено дважды", "haber eki kere sıralanğan"),
    "custody.json is not a list": ("custody.json — не список", "custody.json — не список", "custody.json cedvel degil"),
    "custody.json is not in canonical form": ("custody.json не в канонічній формі", "custody.json не в канонической форме", "custody.json kanonik şekilde degil"),
    "malformed flag": ("позначка неправильної форми", "отметка неправильной формы", "yañlış şekilli belgi"),
    "report.json or receipt.json is not an object": ("report.json або receipt.json — не об'єкт", "report.json или receipt.json — не объект", "report.json ya da receipt.json obyekt degil"),
    "report.json states another envelope size": ("report.json вказує інший розмір конверта", "report.json указывает другой размер конверта", "report.json başqa zarf büyükligini köstere"),
    "the content key is not 32 bytes": ("ключ вмісту — не 32 байти", "ключ содержимого — не 32 байта", "içindekiler anahtarı 32 bayt degil"),
    "the envelope has the wrong length for its header": ("конверт має неправильну довжину для свого заголовка", "конверт имеет неправильную длину для своего заголовка", "zarfnıñ uzunlığı başlığına köre yañlış"),
    "the envelope holds no manifest": ("у конверті немає маніфесту", "в конверте нет манифеста", "zarfta manifest yoq"),
    "the index is not an object": ("індекс — не об'єкт", "индекс — не объект", "indeks obyekt degil"),
    "the index names no desk key": ("індекс не називає ключа робочого місця", "индекс не называет ключа рабочего места", "indeks iş yeri anahtarını köstermey"),
    "the index's drop list is malformed": ("перелік серверів прийому в індексі має неправильну форму", "список серверов приёма в индексе имеет неправильную форму", "indekstegi qabul serverleri cedveli yañlış şekilli"),
    "the index's file list is malformed": ("перелік файлів в індексі має неправильну форму", "список файлов в индексе имеет неправильную форму", "indekstegi fayllar cedveli yañlış şekilli"),
    "the index's flags are malformed": ("позначки в індексі мають неправильну форму", "отметки в индексе имеют неправильную форму", "indekstegi belgiler yañlış şekilli"),
    "the index's report list is malformed": ("перелік повідомлень в індексі має неправильну форму", "список сообщений в индексе имеет неправильную форму", "indekstegi haberler cedveli yañlış şekilli"),
    "unknown bundle format {fmt}": ("невідомий формат пакета {fmt}", "неизвестный формат пакета {fmt}", "belgisiz paket formatı {fmt}"),
}

# Errors of the transport and the desk's key file, sources and fetch that reach the command
# line and the web desk (translated at the face by template). (uk, ru, crh); the Crimean Tatar
# is the CLI engineer's, not yet reviewed by a native documentation team.
CLI_SERVICES: dict[str, tuple[str, str, str]] = {
    "a .onion drop is reached only through Tor": (
        "до .onion-сервера прийому можна дістатися лише через Tor",
        "до .onion-сервера приёма можно добраться только через Tor",
        ".onion qabul serverine tek Tor vastasınen barılır",
    ),
    "a .onion drop is reached only through Tor: start Tor and use --tor (nothing was sent; everything stays in the outbox)": (
        "до .onion-сервера прийому можна дістатися лише через Tor: запустіть Tor і вкажіть --tor (нічого не надіслано; усе лишається у вихідних)",
        "до .onion-сервера приёма можно добраться только через Tor: запустите Tor и укажите --tor (ничего не отправлено; всё остаётся в исходящих)",
        ".onion qabul serverine tek Tor vastasınen barılır: Tor-nı işletiñiz ve --tor beriñiz (hiç bir şey yiberilmedi; episi çıqış qutusında qala)",
    ),
    "a SOCKS5 proxy URL starts with socks5:// or socks5h://": (
        "URL проксі SOCKS5 починається з socks5:// або socks5h://",
        "URL прокси SOCKS5 начинается с socks5:// или socks5h://",
        "SOCKS5 proksi URL-i socks5:// ya da socks5h:// ile başlay",
    ),
    "cannot reach the drop: {error}": (
        "не вдається зв'язатися з сервером прийому: {error}",
        "не удаётся связаться с сервером приёма: {error}",
        "qabul serveri ile bağ qurulıp olamay: {error}",
    ),
    "download broke: {error}": ("завантаження перервалося: {error}", "загрузка прервалась: {error}", "yükleme kesildi: {error}"),
    "the drop asks for an unreasonable proof of work ({bits})": (
        "сервер прийому вимагає надмірного доказу роботи ({bits})",
        "сервер приёма требует чрезмерного доказательства работы ({bits})",
        "qabul serveri aqılsız iş isbatını talap ete ({bits})",
    ),
    "the drop refused ({status}): {reason}": (
        "сервер прийому відмовив ({status}): {reason}",
        "сервер приёма отказал ({status}): {reason}",
        "qabul serveri red etti ({status}): {reason}",
    ),
    "no reason given": ("причину не вказано", "причина не указана", "sebep berilmedi"),
    "the drop sent a listing page larger than asked": (
        "сервер прийому надіслав сторінку переліку, більшу за запитану",
        "сервер приёма прислал страницу списка больше запрошенной",
        "qabul serveri istelgeninden büyük cedvel saifesini yiberdi",
    ),
    "the drop sent a longer answer than the protocol allows": (
        "сервер прийому надіслав довшу відповідь, ніж дозволяє протокол",
        "сервер приёма прислал более длинный ответ, чем позволяет протокол",
        "qabul serveri protokol izin bergeninden uzun cevap yiberdi",
    ),
    "the drop sent more bytes than an envelope can have": (
        "сервер прийому надіслав більше байтів, ніж може мати конверт",
        "сервер приёма прислал больше байт, чем может быть в конверте",
        "qabul serveri zarfta olıp olğanından çoq bayt yiberdi",
    ),
    "the drop's clue listing lacks its cursor headers": (
        "у переліку підказок сервера прийому бракує заголовків курсора",
        "в списке подсказок сервера приёма нет заголовков курсора",
        "qabul serveriniñ ipucu cedvelinde kursor başlıqları yoq",
    ),
    "the drop's info has a bad {name}": (
        "в інформації сервера прийому хибне поле {name}",
        "в информации сервера приёма неверное поле {name}",
        "qabul serveriniñ malümatında {name} meydanı yañlış",
    ),
    "the drop's listing cursor ({cursor}) runs ahead of the verified log ({size} entries)": (
        "курсор переліку сервера прийому ({cursor}) випереджає перевірений журнал (записів: {size})",
        "курсор списка сервера приёма ({cursor}) опережает проверенный журнал (записей: {size})",
        "qabul serveriniñ cedvel kursorı ({cursor}) teşkerilgen jurnaldan ögde (qaydlar: {size})",
    ),
    "the drop's listing cursor does not advance (it stops short of the verified log)": (
        "курсор переліку сервера прийому не просувається (зупиняється, не дійшовши до перевіреного журналу)",
        "курсор списка сервера приёма не продвигается (останавливается, не дойдя до проверенного журнала)",
        "qabul serveriniñ cedvel kursorı ilerilemey (teşkerilgen jurnalğa yetmeden toqtay)",
    ),
    "the drop's listing cursor went backwards": (
        "курсор переліку сервера прийому пішов назад",
        "курсор списка сервера приёма пошёл назад",
        "qabul serveriniñ cedvel kursorı artqa ketti",
    ),
    "the drop's listing is out of order or out of range": (
        "перелік сервера прийому не за порядком або поза межами",
        "список сервера приёма не по порядку или вне диапазона",
        "qabul serveriniñ cedveli sırasız ya da sıñırdan tışarıda",
    ),
    "this invitation asks for Tor: use --tor (nothing was sent; everything stays in the outbox)": (
        "це запрошення вимагає Tor: вкажіть --tor (нічого не надіслано; усе лишається у вихідних)",
        "это приглашение требует Tor: укажите --tor (ничего не отправлено; всё остаётся в исходящих)",
        "bu davetname Tor talap ete: --tor beriñiz (hiç bir şey yiberilmedi; episi çıqış qutusında qala)",
    ),
    "--escrow-key is not a desk's public key": (
        "--escrow-key — не публічний ключ робочого місця",
        "--escrow-key — не публичный ключ рабочего места",
        "--escrow-key iş yeriniñ açıq anahtarı degil",
    ),
    "{path} already holds a desk": ("{path} вже містить робоче місце", "{path} уже содержит рабочее место", "{path} içinde endi iş yeri bar"),
    "cannot create the desk folder {name}": (
        "не вдається створити теку робочого місця {name}",
        "не удаётся создать папку рабочего места {name}",
        "{name} iş yeri papkası yaratılıp olamay",
    ),
    "cannot read the desk's key file (desk.json)": (
        "не вдається прочитати файл ключів робочого місця (desk.json)",
        "не удаётся прочитать файл ключей рабочего места (desk.json)",
        "iş yeriniñ anahtar faylı (desk.json) oqulıp olamay",
    ),
    "choose a desk passphrase of at least 8 characters": (
        "виберіть парольну фразу робочого місця щонайменше з 8 символів",
        "выберите парольную фразу рабочего места не короче 8 символов",
        "eñ az 8 işaretli iş yeri parol ibaresini saylañız",
    ),
    "give the desk a name": ("дайте робочому місцю назву", "дайте рабочему месту имя", "iş yerine ad beriñiz"),
    "the desk's key file (desk.json) is damaged": (
        "файл ключів робочого місця (desk.json) пошкоджено",
        "файл ключей рабочего места (desk.json) повреждён",
        "iş yeriniñ anahtar faylı (desk.json) bozulğan",
    ),
    "wrong desk passphrase": (
        "неправильна парольна фраза робочого місця",
        "неверная парольная фраза рабочего места",
        "iş yeriniñ parol ibaresi yañlış",
    ),
    "{ref} fits {n} sources; give the number or the id": (
        "{ref} підходить до {n} джерел; вкажіть номер або ідентифікатор",
        "{ref} подходит к {n} источникам; укажите номер или идентификатор",
        "{ref} {n} menbağa uyğun; nomerni ya da identifikatornı beriñiz",
    ),
    "no source matches {ref}": (
        "жодне джерело не відповідає {ref}",
        "ни один источник не соответствует {ref}",
        "iç bir menba {ref} ile uyğun degil",
    ),
    "`tysha desk show REPORT` names a report's source; the web desk's Sources page lists every source": (
        "`tysha desk show REPORT` називає джерело повідомлення; сторінка «Джерела» веб-робочого місця перелічує всі джерела",
        "`tysha desk show REPORT` называет источник сообщения; страница «Источники» веб-рабочего места перечисляет все источники",
        "`tysha desk show REPORT` haberniñ menbasını adlandıra; veb masasınıñ «Menbalar» saifesi bütün menbalarnı köstere",
    ),
    "FORK: the drop {url} shows a history inconsistent with the one this desk saw before ({reason}). Do not trust it; tell your organisation.": (
        "РОЗГАЛУЖЕННЯ: сервер прийому {url} показує історію, несумісну з тією, яку це робоче місце бачило раніше ({reason}). Не довіряйте йому; повідомте свою організацію.",
        "РАЗВЕТВЛЕНИЕ: сервер приёма {url} показывает историю, несовместимую с той, которую это рабочее место видело раньше ({reason}). Не доверяйте ему; сообщите своей организации.",
        "ÇATALLANUV: qabul serveri {url} bu iş yeri evelce körgeni ile uyğun olmağan tarih köstere ({reason}). Oña işanmañız; teşkilâtıñızğa bildiriñiz.",
    ),
    "no capture attestation": ("немає засвідчення зйомки", "нет удостоверения съёмки", "çekiliş tasdıqı yoq"),
    "the drop has no address": ("сервер прийому не має адреси", "у сервера приёма нет адреса", "qabul serveriniñ adresi yoq"),
    "the log shrank from {old} to {size} entries": (
        "журнал зменшився з {old} до {size} записів",
        "журнал уменьшился с {old} до {size} записей",
        "jurnal {old} qayddan {size} qaydqa qadar kiçirildi",
    ),
}

CLI_PLURALS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    ("Share {n} report?", "Share {n} reports?"): (
        ("Поділитися {n} повідомленням?", "Поділитися {n} повідомленнями?", "Поділитися {n} повідомленнями?"),
        ("Поделиться {n} сообщением?", "Поделиться {n} сообщениями?", "Поделиться {n} сообщениями?"),
        ("{n} haber paylaşılsınmı?", "{n} haber paylaşılsınmı?"),
    ),
    ("bundle of {n} report written to {out}; check it with `tysha verify {out}`", "bundle of {n} reports written to {out}; check it with `tysha verify {out}`"): (
        ("пакет з {n} повідомлення записано до {out}; перевірте його: `tysha verify {out}`", "пакет з {n} повідомлень записано до {out}; перевірте його: `tysha verify {out}`", "пакет з {n} повідомлень записано до {out}; перевірте його: `tysha verify {out}`"),
        ("пакет из {n} сообщения записан в {out}; проверьте его: `tysha verify {out}`", "пакет из {n} сообщений записан в {out}; проверьте его: `tysha verify {out}`", "пакет из {n} сообщений записан в {out}; проверьте его: `tysha verify {out}`"),
        ("{n} haberlik paket {out} faylına yazıldı; onı `tysha verify {out}` ile teşkeriñiz", "{n} haberlik paket {out} faylına yazıldı; onı `tysha verify {out}` ile teşkeriñiz"),
    ),
    ("bundle ok: {n} report verified offline", "bundle ok: {n} reports verified offline"): (
        ("пакет у порядку: {n} повідомлення перевірено офлайн", "пакет у порядку: {n} повідомлення перевірено офлайн", "пакет у порядку: {n} повідомлень перевірено офлайн"),
        ("пакет в порядке: {n} сообщение проверено офлайн", "пакет в порядке: {n} сообщения проверено офлайн", "пакет в порядке: {n} сообщений проверено офлайн"),
        ("paket tamam: {n} haber internetsiz teşkerildi", "paket tamam: {n} haber internetsiz teşkerildi"),
    ),
    ("custody head of {n} event anchored as entry {index} of the drop's log", "custody head of {n} events anchored as entry {index} of the drop's log"): (
        ("вершину журналу зберігання ({n} подія) закріплено як запис {index} журналу сервера прийому", "вершину журналу зберігання ({n} події) закріплено як запис {index} журналу сервера прийому", "вершину журналу зберігання ({n} подій) закріплено як запис {index} журналу сервера прийому"),
        ("вершина журнала хранения ({n} событие) закреплена как запись {index} журнала сервера приёма", "вершина журнала хранения ({n} события) закреплена как запись {index} журнала сервера приёма", "вершина журнала хранения ({n} событий) закреплена как запись {index} журнала сервера приёма"),
        ("saqlav jurnalınıñ başı ({n} vaqia) qabul serveri jurnalınıñ {index} qaydı olaraq bekitildi", "saqlav jurnalınıñ başı ({n} vaqia) qabul serveri jurnalınıñ {index} qaydı olaraq bekitildi"),
    ),
    ("delivered {n} envelope; receipts in {out}", "delivered {n} envelopes; receipts in {out}"): (
        ("доставлено {n} конверт; квитанції в {out}", "доставлено {n} конверти; квитанції в {out}", "доставлено {n} конвертів; квитанції в {out}"),
        ("доставлен {n} конверт; квитанции в {out}", "доставлено {n} конверта; квитанции в {out}", "доставлено {n} конвертов; квитанции в {out}"),
        ("{n} zarf ketirildi; vesiqalar {out} içinde", "{n} zarf ketirildi; vesiqalar {out} içinde"),
    ),
    ("receipts ok: {n} envelope is in the drop's log{where}", "receipts ok: {n} envelopes are in the drop's log{where}"): (
        ("квитанції в порядку: {n} конверт є в журналі сервера прийому{where}", "квитанції в порядку: {n} конверти є в журналі сервера прийому{where}", "квитанції в порядку: {n} конвертів є в журналі сервера прийому{where}"),
        ("квитанции в порядке: {n} конверт есть в журнале сервера приёма{where}", "квитанции в порядке: {n} конверта есть в журнале сервера приёма{where}", "квитанции в порядке: {n} конвертов есть в журнале сервера приёма{where}"),
        ("vesiqalar tamam: {n} zarf qabul serveriniñ jurnalında bar{where}", "vesiqalar tamam: {n} zarf qabul serveriniñ jurnalında bar{where}"),
    ),
    ("scanned {n} envelope", "scanned {n} envelopes"): (
        ("переглянуто {n} конверт", "переглянуто {n} конверти", "переглянуто {n} конвертів"),
        ("просмотрен {n} конверт", "просмотрено {n} конверта", "просмотрено {n} конвертов"),
        ("{n} zarf baqıldı", "{n} zarf baqıldı"),
    ),
    ("the consistency proof ({n} hash) links this checkpoint to the source's previous one; only the source device holds that, so it is checked there", "the consistency proof ({n} hashes) links this checkpoint to the source's previous one; only the source device holds that, so it is checked there"): (
        ("доказ узгодженості ({n} хеш) пов'язує цю контрольну точку з попередньою точкою джерела; її має лише пристрій джерела, тож перевіряють там", "доказ узгодженості ({n} хеші) пов'язує цю контрольну точку з попередньою точкою джерела; її має лише пристрій джерела, тож перевіряють там", "доказ узгодженості ({n} хешів) пов'язує цю контрольну точку з попередньою точкою джерела; її має лише пристрій джерела, тож перевіряють там"),
        ("доказательство согласованности ({n} хеш) связывает эту контрольную точку с предыдущей точкой источника; она есть только на устройстве источника, поэтому проверяется там", "доказательство согласованности ({n} хеша) связывает эту контрольную точку с предыдущей точкой источника; она есть только на устройстве источника, поэтому проверяется там", "доказательство согласованности ({n} хешей) связывает эту контрольную точку с предыдущей точкой источника; она есть только на устройстве источника, поэтому проверяется там"),
        ("uyğunlıq isbatı ({n} heş) bu kontrol noqtasını menbanıñ evelki noqtası ile bağlay; o tek menba cihazında bar, bunıñ içün anda teşkerile", "uyğunlıq isbatı ({n} heş) bu kontrol noqtasını menbanıñ evelki noqtası ile bağlay; o tek menba cihazında bar, bunıñ içün anda teşkerile"),
    ),
    ("witness {name} following {n} log on port {port}", "witness {name} following {n} logs on port {port}"): (
        ("свідок {name} стежить за {n} журналом на порту {port}", "свідок {name} стежить за {n} журналами на порту {port}", "свідок {name} стежить за {n} журналами на порту {port}"),
        ("свидетель {name} следит за {n} журналом на порту {port}", "свидетель {name} следит за {n} журналами на порту {port}", "свидетель {name} следит за {n} журналами на порту {port}"),
        ("şaat {name} {port} portunda {n} jurnalnı taqip ete", "şaat {name} {port} portunda {n} jurnalnı taqip ete"),
    ),
    ("wrote {n} envelope", "wrote {n} envelopes"): (
        ("записано {n} конверт", "записано {n} конверти", "записано {n} конвертів"),
        ("записан {n} конверт", "записано {n} конверта", "записано {n} конвертов"),
        ("{n} zarf yazıldı", "{n} zarf yazıldı"),
    ),
    ("{n} act", "{n} acts"): (
        ("{n} діяння", "{n} діяння", "{n} діянь"),
        ("{n} деяние", "{n} деяния", "{n} деяний"),
        ("{n} amel", "{n} amel"),
    ),
    ("{n} byte", "{n} bytes"): (
        ("{n} байт", "{n} байти", "{n} байтів"),
        ("{n} байт", "{n} байта", "{n} байт"),
        ("{n} bayt", "{n} bayt"),
    ),
    ("{n} envelope confirmed by the drop's log; {waiting} still waiting", "{n} envelopes confirmed by the drop's log; {waiting} still waiting"): (
        ("{n} конверт підтверджено журналом сервера прийому; ще чекають: {waiting}", "{n} конверти підтверджено журналом сервера прийому; ще чекають: {waiting}", "{n} конвертів підтверджено журналом сервера прийому; ще чекають: {waiting}"),
        ("{n} конверт подтверждён журналом сервера приёма; ещё ждут: {waiting}", "{n} конверта подтверждены журналом сервера приёма; ещё ждут: {waiting}", "{n} конвертов подтверждены журналом сервера приёма; ещё ждут: {waiting}"),
        ("{n} zarf qabul serveriniñ jurnalı ile tasdıqlandı; ale bekleyler: {waiting}", "{n} zarf qabul serveriniñ jurnalı ile tasdıqlandı; ale bekleyler: {waiting}"),
    ),
    ("{n} envelope could not be opened (quarantined)", "{n} envelopes could not be opened (quarantined)"): (
        ("{n} конверт не вдалося відкрити (у карантині)", "{n} конверти не вдалося відкрити (у карантині)", "{n} конвертів не вдалося відкрити (у карантині)"),
        ("{n} конверт не удалось открыть (в карантине)", "{n} конверта не удалось открыть (в карантине)", "{n} конвертов не удалось открыть (в карантине)"),
        ("{n} zarf açılıp olamadı (karantinde)", "{n} zarf açılıp olamadı (karantinde)"),
    ),
    ("{n} flagged report accepted", "{n} flagged reports accepted"): (
        ("прийнято {n} позначене повідомлення", "прийнято {n} позначені повідомлення", "прийнято {n} позначених повідомлень"),
        ("принято {n} отмеченное сообщение", "принято {n} отмеченных сообщения", "принято {n} отмеченных сообщений"),
        ("{n} belgili haber qabul etildi", "{n} belgili haber qabul etildi"),
    ),
    ("{n} new report", "{n} new reports"): (
        ("{n} нове повідомлення", "{n} нові повідомлення", "{n} нових повідомлень"),
        ("{n} новое сообщение", "{n} новых сообщения", "{n} новых сообщений"),
        ("{n} yañı haber", "{n} yañı haber"),
    ),
    ("{n} of them flagged, not to be taken at face value (see `tysha desk list --flagged`)", "{n} of them flagged, not to be taken at face value (see `tysha desk list --flagged`)"): (
        ("{n} з них позначене, не приймайте його на віру (див. `tysha desk list --flagged`)", "{n} з них позначені, не приймайте їх на віру (див. `tysha desk list --flagged`)", "{n} з них позначені, не приймайте їх на віру (див. `tysha desk list --flagged`)"),
        ("{n} из них отмечено, не принимайте его на веру (см. `tysha desk list --flagged`)", "{n} из них отмечены, не принимайте их на веру (см. `tysha desk list --flagged`)", "{n} из них отмечены, не принимайте их на веру (см. `tysha desk list --flagged`)"),
        ("olardan {n} belgili, közge körüngenine işanmañız (`tysha desk list --flagged` baqıñız)", "olardan {n} belgili, közge körüngenine işanmañız (`tysha desk list --flagged` baqıñız)"),
    ),
    ("{n} original (re-attested by this desk)", "{n} originals (re-attested by this desk)"): (
        ("{n} оригінал (повторно засвідчений цим робочим місцем)", "{n} оригінали (повторно засвідчені цим робочим місцем)", "{n} оригіналів (повторно засвідчені цим робочим місцем)"),
        ("{n} оригинал (повторно удостоверен этим рабочим местом)", "{n} оригинала (повторно удостоверены этим рабочим местом)", "{n} оригиналов (повторно удостоверены этим рабочим местом)"),
        ("{n} asıl fayl (bu iş yeri tarafından kene tasdıqlanğan)", "{n} asıl fayl (bu iş yeri tarafından kene tasdıqlanğan)"),
    ),
    ("{n} reply sent", "{n} replies sent"): (
        ("надіслано {n} відповідь", "надіслано {n} відповіді", "надіслано {n} відповідей"),
        ("отправлен {n} ответ", "отправлено {n} ответа", "отправлено {n} ответов"),
        ("{n} cevap yiberildi", "{n} cevap yiberildi"),
    ),
    ("{n} report shared", "{n} reports shared"): (
        ("передано {n} повідомлення", "передано {n} повідомлення", "передано {n} повідомлень"),
        ("передано {n} сообщение", "передано {n} сообщения", "передано {n} сообщений"),
        ("{n} haber paylaşıldı", "{n} haber paylaşıldı"),
    ),
    ("{n} report written to {out}/entities.csv (thesauri in {out}/thesauri)", "{n} reports written to {out}/entities.csv (thesauri in {out}/thesauri)"): (
        ("{n} повідомлення записано до {out}/entities.csv (тезауруси в {out}/thesauri)", "{n} повідомлення записано до {out}/entities.csv (тезауруси в {out}/thesauri)", "{n} повідомлень записано до {out}/entities.csv (тезауруси в {out}/thesauri)"),
        ("{n} сообщение записано в {out}/entities.csv (тезаурусы в {out}/thesauri)", "{n} сообщения записано в {out}/entities.csv (тезаурусы в {out}/thesauri)", "{n} сообщений записано в {out}/entities.csv (тезаурусы в {out}/thesauri)"),
        ("{n} haber {out}/entities.csv faylına yazıldı (tezauruslar {out}/thesauri içinde)", "{n} haber {out}/entities.csv faylına yazıldı (tezauruslar {out}/thesauri içinde)"),
    ),
    ("{n} still queued", "{n} still queued"): (
        ("у черзі ще {n}", "у черзі ще {n}", "у черзі ще {n}"),
        ("в очереди ещё {n}", "в очереди ещё {n}", "в очереди ещё {n}"),
        ("{n} ale sırada", "{n} ale sırada"),
    ),
    ("sample source sent {n} report", "sample source sent {n} reports"): (
        ("зразкове джерело надіслало {n} повідомлення", "зразкове джерело надіслало {n} повідомлення", "зразкове джерело надіслало {n} повідомлень"),
        ("образцовый источник отправил {n} сообщение", "образцовый источник отправил {n} сообщения", "образцовый источник отправил {n} сообщений"),
        ("nümune menba {n} haber yiberdi", "nümune menba {n} haber yiberdi"),
    ),
    ("desk fetched {n} report", "desk fetched {n} reports"): (
        ("робоче місце отримало {n} повідомлення", "робоче місце отримало {n} повідомлення", "робоче місце отримало {n} повідомлень"),
        ("рабочее место получило {n} сообщение", "рабочее место получило {n} сообщения", "рабочее место получило {n} сообщений"),
        ("iş yeri {n} haber aldı", "iş yeri {n} haber aldı"),
    ),
    ("demo: {n} report fetched into {desk}", "demo: {n} reports fetched into {desk}"): (
        ("демонстрація: {n} повідомлення отримано до {desk}", "демонстрація: {n} повідомлення отримано до {desk}", "демонстрація: {n} повідомлень отримано до {desk}"),
        ("демонстрация: {n} сообщение получено в {desk}", "демонстрация: {n} сообщения получено в {desk}", "демонстрация: {n} сообщений получено в {desk}"),
        ("demo: {n} haber {desk} içine alındı", "demo: {n} haber {desk} içine alındı"),
    ),
    ("demo: {n} report fetched; the demo folder is deleted again (pass --keep to keep it)", "demo: {n} reports fetched; the demo folder is deleted again (pass --keep to keep it)"): (
        ("демонстрація: {n} повідомлення отримано; теку демонстрації знову видалено (--keep, щоб її залишити)", "демонстрація: {n} повідомлення отримано; теку демонстрації знову видалено (--keep, щоб її залишити)", "демонстрація: {n} повідомлень отримано; теку демонстрації знову видалено (--keep, щоб її залишити)"),
        ("демонстрация: {n} сообщение получено; папка демонстрации снова удалена (--keep, чтобы её оставить)", "демонстрация: {n} сообщения получено; папка демонстрации снова удалена (--keep, чтобы её оставить)", "демонстрация: {n} сообщений получено; папка демонстрации снова удалена (--keep, чтобы её оставить)"),
        ("demo: {n} haber alındı; demo papkası kene silindi (saqlamaq içün --keep)", "demo: {n} haber alındı; demo papkası kene silindi (saqlamaq içün --keep)"),
    ),
    ("{n} waiting", "{n} waiting"): (
        ("{n} чекає", "{n} чекають", "{n} чекають"),
        ("{n} ждёт", "{n} ждут", "{n} ждут"),
        ("{n} bekley", "{n} bekley"),
    ),
    # i18n2: import-proofmode and c2pa-trust
    ("{n} proof from {name} kept as provenance of report {id}; {ok} verified",
     "{n} proofs from {name} kept as provenance of report {id}; {ok} verified"): (
        ("{n} доказ з {name} збережено як походження повідомлення {id}; перевірено: {ok}",
         "{n} докази з {name} збережено як походження повідомлення {id}; перевірено: {ok}",
         "{n} доказів з {name} збережено як походження повідомлення {id}; перевірено: {ok}"),
        ("{n} доказательство из {name} сохранено как происхождение сообщения {id}; проверено: {ok}",
         "{n} доказательства из {name} сохранены как происхождение сообщения {id}; проверено: {ok}",
         "{n} доказательств из {name} сохранены как происхождение сообщения {id}; проверено: {ok}"),
        ("{name} faylından {n} delil {id} haberiniñ menşesi olaraq saqlandı; teşkerilgen: {ok}",
         "{name} faylından {n} delil {id} haberiniñ menşesi olaraq saqlandı; teşkerilgen: {ok}"),
    ),
    ("{n} C2PA trust anchor set; photos fetched from now on are checked under it",
     "{n} C2PA trust anchors set; photos fetched from now on are checked under them"): (
        ("задано {n} довірчий корінь C2PA; отримані відтепер фото перевіряються під ним",
         "задано {n} довірчі корені C2PA; отримані відтепер фото перевіряються під ними",
         "задано {n} довірчих коренів C2PA; отримані відтепер фото перевіряються під ними"),
        ("задан {n} доверенный корень C2PA; полученные отныне фото проверяются под ним",
         "заданы {n} доверенных корня C2PA; полученные отныне фото проверяются под ними",
         "задано {n} доверенных корней C2PA; полученные отныне фото проверяются под ними"),
        ("{n} C2PA işanç tamırı belgilendi; endi alınğan fotolar onıñ altında teşkerile",
         "{n} C2PA işanç tamırı belgilendi; endi alınğan fotolar olarnıñ altında teşkerile"),
    ),
}

LANGS = ("uk", "ru", "crh")



# Lines the integration of issues 10-14 added (demo cells, witnesses, withheld entries, where a
# report came from). The Crimean Tatar is the integrator's, not yet reviewed by a native speaker.
INTEGRATION: dict[str, tuple[str, str, str]] = {
    "(The escrow desk opens both cells' reports and counts cells.)": (
        "(Депозитарне робоче місце відкриває повідомлення обох осередків і рахує осередки.)",
        "(Депозитарное рабочее место открывает сообщения обеих ячеек и считает ячейки.)",
        "(Emanet iş yeri eki hüceyreniñ bildirimlerini aça ve hüceyrelerni saya.)",
    ),
    "Cell A desk:": ("Осередок A:", "Ячейка A:", "A hüceyresi:"),
    "Cell B desk:": ("Осередок B:", "Ячейка B:", "B hüceyresi:"),
    "Escrow desk:": ("Депозитарій:", "Депозитарий:", "Emanet yeri:"),
    "FROM": ("ЗВІДКИ", "ОТКУДА", "NEREDEN"),
    "browser": ("браузер", "браузер", "brauzer"),
    "app": ("програма", "приложение", "programma"),
    "unknown": ("невідомо", "неизвестно", "belgisiz"),
    "sent from": ("надіслано з", "отправлено из", "nereden yiberildi"),
    "browser (the drop's source page)": (
        "браузер (сторінка джерела на сервері прийому)",
        "браузер (страница источника на сервере приёма)",
        "brauzer (qabul serveriniñ menba saifesi)",
    ),
    "app (tysha source)": ("програма (tysha source)", "приложение (tysha source)",
                           "programma (tysha source)"),
    "unknown (a source from before this was recorded)": (
        "невідомо (джерело з часу, коли це ще не записувалося)",
        "неизвестно (источник из времени, когда это ещё не записывалось)",
        "belgisiz (bu daa qayd etilmegen vaqıttan menba)",
    ),
    "Tysha demo is running: two cells (a desk each) and the escrow desk.": (
        "Демонстрація Tysha працює: два осередки (кожен зі своїм робочим місцем) і депозитарій.",
        "Демонстрация Tysha работает: две ячейки (у каждой своё рабочее место) и депозитарий.",
        "Tysha kösterimi çalışa: eki hüceyre (er birinde iş yeri) ve emanet yeri.",
    ),
    "drop {url}: witnesses: {checked}": (
        "сервер прийому {url}: свідки: {checked}",
        "сервер приёма {url}: свидетели: {checked}",
        "qabul serveri {url}: şaatlar: {checked}",
    ),
    "nothing was taken from that drop; fetch again once its witnesses cosign": (
        "з цього сервера прийому нічого не взято; отримайте знову, коли свідки підпишуть",
        "с этого сервера приёма ничего не взято; получите снова, когда свидетели подпишут",
        "bu qabul serverinden bir şey alınmadı; şaatlar imzalağan soñ kene alıñız",
    ),
    "passphrase {passphrase}": ("парольна фраза {passphrase}", "парольная фраза {passphrase}",
                                "parol ibaresi {passphrase}"),
    "this is recorded in custody; the entries are checked again on every fetch": (
        "це записано в журнал зберігання; записи перевіряються знову при кожному отриманні",
        "это записано в журнал хранения; записи проверяются снова при каждом получении",
        "bu saqlav defterine yazıldı; yazılar er alışta kene teşkerile",
    ),
    "a drop withholds {n} entries of its log from this desk (see above); what it did list was fetched": (
        "сервер прийому приховує від цього робочого місця записи свого журналу: {n} (див. вище); те, що він показав, отримано",
        "сервер приёма скрывает от этого рабочего места записи своего журнала: {n} (см. выше); то, что он показал, получено",
        "qabul serveri bu iş yerinden defteriniñ yazılarını saqlay: {n} (yuqarığa baqıñız); körsetkeni alındı",
    ),
    "two cells' desks and the escrow desk ready; invitation made": (
        "робочі місця двох осередків і депозитарій готові; запрошення створено",
        "рабочие места двух ячеек и депозитарий готовы; приглашение создано",
        "eki hüceyreniñ iş yerleri ve emanet yeri azır; davetname yapıldı",
    ),
    "two more sources, in two cells, corroborated a report: an incident at cell A's desk and at the escrow desk": (
        "ще два джерела у двох осередках підтвердили повідомлення: інцидент у осередку A і в депозитарії",
        "ещё два источника в двух ячейках подтвердили сообщение: инцидент в ячейке A и в депозитарии",
        "eki hüceyrede daa eki menba bir bildirimni tasdıqladı: A hüceyresinde ve emanet yerinde adise",
    ),
    "two more sources, in two cells, corroborated a report: an incident at cell A's desk only (the escrow desk found no copies)": (
        "ще два джерела у двох осередках підтвердили повідомлення: інцидент лише в осередку A (депозитарій не знайшов копій)",
        "ещё два источника в двух ячейках подтвердили сообщение: инцидент только в ячейке A (депозитарий не нашёл копий)",
        "eki hüceyrede daa eki menba bir bildirimni tasdıqladı: adise tek A hüceyresinde (emanet yeri kopiyalar tapmadı)",
    ),
    "two more sources, in two cells, corroborated a report: an incident at the escrow desk only (cell A's desk found no copies)": (
        "ще два джерела у двох осередках підтвердили повідомлення: інцидент лише в депозитарії (осередок A не знайшов копій)",
        "ещё два источника в двух ячейках подтвердили сообщение: инцидент только в депозитарии (ячейка A не нашла копий)",
        "eki hüceyrede daa eki menba bir bildirimni tasdıqladı: adise tek emanet yerinde (A hüceyresi kopiyalar tapmadı)",
    ),
    "two more sources, in two cells, sent copies of a report's photo, but no desk found them alike: no incident was made": (
        "ще два джерела у двох осередках надіслали копії фото з повідомлення, але жодне робоче місце не визнало їх схожими: інцидент не створено",
        "ещё два источника в двух ячейках прислали копии фото из сообщения, но ни одно рабочее место не признало их похожими: инцидент не создан",
        "eki hüceyrede daa eki menba bir bildirimniñ fotosınıñ kopiyalarını yiberdi, amma iç bir iş yeri olarnı beñzer tapmadı: adise yapılmadı",
    ),
    # --- i18n2: witness policy, withheld entries, ProofMode/C2PA (errors and help) ---
    "--witness needs a drop: give --drop URL --drop-key VKEY": (
        "--witness потребує сервера прийому: вкажіть --drop URL --drop-key VKEY",
        "--witness требует сервера приёма: укажите --drop URL --drop-key VKEY",
        "--witness qabul serverini istey: --drop URL --drop-key VKEY beriñiz",
    ),
    "cannot read {name}": ("не вдається прочитати {name}", "не удаётся прочитать {name}",
                           "{name} oqulıp olamay"),
    "only an escrow desk counts cells": (
        "рахувати осередки може лише депозитарій",
        "считать ячейки может только депозитарий",
        "hüceyrelerni tek emanet yeri saya bile",
    ),
    "name the cell": ("назвіть осередок", "назовите ячейку", "hüceyreniñ adını beriñiz"),
    "only a handler desk shares reports with an analyst": (
        "ділитися повідомленнями з аналітиком може лише робоче місце куратора",
        "делиться сообщениями с аналитиком может только рабочее место куратора",
        "haberlerni analitik ile tek küratorniñ iş yeri paylaşa bile",
    ),
    "--signer is an OpenPGP fingerprint (40 or 64 hex digits)": (
        "--signer — це відбиток OpenPGP (40 або 64 шістнадцяткові цифри)",
        "--signer — это отпечаток OpenPGP (40 или 64 шестнадцатеричные цифры)",
        "--signer OpenPGP parmaq izidir (40 ya da 64 onaltılıq raqam)",
    ),
    "the witness policy is not met ({summary}); missing: {missing}. Nothing was read": (
        "правило свідків не виконано ({summary}); бракує: {missing}. Нічого не прочитано",
        "правило свидетелей не выполнено ({summary}); не хватает: {missing}. Ничего не прочитано",
        "şaatlar qaidesi yerine ketirilmedi ({summary}); eksik: {missing}. Bir şey oqulmadı",
    ),
    "a --witness key is not a witness verifier key: {detail}": (
        "ключ --witness не є ключем перевірки свідка: {detail}",
        "ключ --witness не является ключом проверки свидетеля: {detail}",
        "--witness anahtarı şaatnıñ teşkerüv anahtarı degil: {detail}",
    ),
    "the drop serves no cosigned checkpoint; you require {k} of its witnesses ({names}); missing: {missing}. Nothing was read": (
        "сервер прийому не надає спільно підписаної контрольної точки; ви вимагаєте {k} з його свідків ({names}); бракує: {missing}. Нічого не прочитано",
        "сервер приёма не предоставляет совместно подписанной контрольной точки; вы требуете {k} из его свидетелей ({names}); не хватает: {missing}. Ничего не прочитано",
        "qabul serveri birlikte imzalanğan teşkerüv noqtasını bermey; siz onıñ şaatlarından {k} isteysiñiz ({names}); eksik: {missing}. Bir şey oqulmadı",
    ),
    "the drop's cosigned checkpoint is unusable ({detail}). Nothing was read": (
        "спільно підписана контрольна точка сервера прийому непридатна ({detail}). Нічого не прочитано",
        "совместно подписанная контрольная точка сервера приёма непригодна ({detail}). Ничего не прочитано",
        "qabul serveriniñ birlikte imzalanğan teşkerüv noqtası qullanılmay ({detail}). Bir şey oqulmadı",
    ),
    "THE DROP SHOWS ITS WITNESSES A DIFFERENT HISTORY than it shows you (a forked log): {detail}. Stop sending to it and tell your handler in person.": (
        "СЕРВЕР ПРИЙОМУ ПОКАЗУЄ СВОЇМ СВІДКАМ ІНШУ ІСТОРІЮ, ніж вам (розгалужений журнал): {detail}. Припиніть надсилати на нього і скажіть своєму куратору особисто.",
        "СЕРВЕР ПРИЁМА ПОКАЗЫВАЕТ СВОИМ СВИДЕТЕЛЯМ ДРУГУЮ ИСТОРИЮ, чем вам (разветвлённый журнал): {detail}. Прекратите отправлять на него и скажите своему куратору лично.",
        "QABUL SERVERİ ŞAATLARINA SİZGE KÖSTERGENİNDEN BAŞQA TARİH KÖSTERE (çatallanğan defter): {detail}. Oña yiberüvni toqtatıñız ve küratorıñızğa özüñiz aytıñız.",
    ),
    "nothing of the verified log is left after that cursor": (
        "після цього курсора від перевіреного журналу нічого не лишилося",
        "после этого курсора от проверенного журнала ничего не осталось",
        "bu imleçten soñ teşkerilgen defterden bir şey qalmadı",
    ),
    "the drop's listing holds records outside the page it names": (
        "перелік сервера прийому містить записи поза сторінкою, яку він називає",
        "список сервера приёма содержит записи вне страницы, которую он называет",
        "qabul serveriniñ cedveli özü aytqan saifeden tış yazılar tuta",
    ),
    "entry {index} is not in the verified log ({size})": (
        "запису {index} немає в перевіреному журналі ({size})",
        "записи {index} нет в проверенном журнале ({size})",
        "{index} yazısı teşkerilgen defterde yoq ({size})",
    ),
    "the drop's entry bundle is malformed: {detail}": (
        "пакет записів сервера прийому пошкоджений: {detail}",
        "пакет записей сервера приёма повреждён: {detail}",
        "qabul serveriniñ yazılar paketi bozuq: {detail}",
    ),
    "{url}: not advancing: the witness policy is not met ({summary}); missing: {missing}": (
        "{url}: без просування: правило свідків не виконано ({summary}); бракує: {missing}",
        "{url}: без продвижения: правило свидетелей не выполнено ({summary}); не хватает: {missing}",
        "{url}: ilerilemey: şaatlar qaidesi yerine ketirilmedi ({summary}); eksik: {missing}",
    ),
    "{url}: not advancing: the drop serves no cosigned checkpoint, and this desk requires {k} of its witnesses ({names}); missing: {missing}": (
        "{url}: без просування: сервер прийому не надає спільно підписаної контрольної точки, а це робоче місце вимагає {k} з його свідків ({names}); бракує: {missing}",
        "{url}: без продвижения: сервер приёма не предоставляет совместно подписанной контрольной точки, а это рабочее место требует {k} из его свидетелей ({names}); не хватает: {missing}",
        "{url}: ilerilemey: qabul serveri birlikte imzalanğan teşkerüv noqtasını bermey, bu iş yeri ise onıñ şaatlarından {k} istey ({names}); eksik: {missing}",
    ),
    "{url}: not advancing: the drop's cosigned checkpoint is unusable ({detail})": (
        "{url}: без просування: спільно підписана контрольна точка сервера прийому непридатна ({detail})",
        "{url}: без продвижения: совместно подписанная контрольная точка сервера приёма непригодна ({detail})",
        "{url}: ilerilemey: qabul serveriniñ birlikte imzalanğan teşkerüv noqtası qullanılmay ({detail})",
    ),
    "FORK: the drop {url} had its witnesses cosign a history inconsistent with the one it shows this desk ({detail}). Do not trust it; tell your organisation.": (
        "FORK: сервер прийому {url} дав своїм свідкам підписати історію, несумісну з тією, яку він показує цьому робочому місцю ({detail}). Не довіряйте йому; повідомте свою організацію.",
        "FORK: сервер приёма {url} дал своим свидетелям подписать историю, несовместимую с той, которую он показывает этому рабочему месту ({detail}). Не доверяйте ему; сообщите своей организации.",
        "FORK: {url} qabul serveri şaatlarına bu iş yerine kösterken tarihqa uyğun kelmegen bir tarih imzalattı ({detail}). Oña işanmañız; teşkilatıñızğa bildiriñiz.",
    ),
    "Attach a ProofMode proof bundle to a report: signatures and hashes checked, kept as provenance with a custody event. Exits 1 when a proof does not verify.": (
        "Додати до повідомлення пакет доказів ProofMode: підписи й хеші перевіряються, зберігаються як походження з подією в журналі зберігання. Код виходу 1, якщо доказ не перевіряється.",
        "Добавить к сообщению пакет доказательств ProofMode: подписи и хеши проверяются, сохраняются как происхождение с событием в журнале хранения. Код выхода 1, если доказательство не проверяется.",
        "Haberge ProofMode delil paketini qoşmaq: imzalar ve heşler teşkerile, saqlav jurnalında vaqia ile menşe olaraq saqlana. Delil teşkerilmese, 1 ile çıqa.",
    ),
    "Exits 1 when a drop is unreachable, shows a fork, misbehaves, withholds entries or lacks the required cosignatures.": (
        "Код виходу 1, якщо сервер прийому недоступний, показує розгалуження, поводиться неправильно, приховує записи або не має потрібних спільних підписів.",
        "Код выхода 1, если сервер приёма недоступен, показывает разветвление, ведёт себя неправильно, скрывает записи или не имеет нужных совместных подписей.",
        "Qabul serveri yetişilmez, çatallanuv köstere, yañlış areket ete, yazıları saqlay ya da kerekli birlikte imzaları olmasa, 1 ile çıqa.",
    ),
    "How many of the --witness keys (all).": (
        "Скільки з ключів --witness (усі).",
        "Сколько из ключей --witness (все).",
        "--witness anahtarlarından qaçı (episi).",
    ),
    "Require cosignatures of this witness (repeat; kept for the drop).": (
        "Вимагати спільних підписів цього свідка (можна повторювати; зберігається для сервера прийому).",
        "Требовать совместных подписей этого свидетеля (можно повторять; сохраняется для сервера приёма).",
        "Bu şaatnıñ birlikte imzalarını istemek (tekrarlana bile; qabul serveri içün saqlana).",
    ),
    "Require cosignatures of this witness of the drop's log (repeat).": (
        "Вимагати спільних підписів цього свідка журналу сервера прийому (можна повторювати).",
        "Требовать совместных подписей этого свидетеля журнала сервера приёма (можно повторять).",
        "Qabul serveri defteriniñ bu şaatınıñ birlikte imzalarını istemek (tekrarlana bile).",
    ),
    "Set the C2PA trust anchors: a manifest signed under them shows as valid.": (
        "Задати довірчі корені C2PA: маніфест, підписаний під ними, показується як дійсний.",
        "Задать доверенные корни C2PA: манифест, подписанный под ними, показывается как действительный.",
        "C2PA işanç tamırlarını belgilemek: olar altında imzalanğan manifest doğru olaraq kösterile.",
    ),
    "The ProofMode key expected (OpenPGP).": (
        "Очікуваний ключ ProofMode (OpenPGP).",
        "Ожидаемый ключ ProofMode (OpenPGP).",
        "Beklenilgen ProofMode anahtarı (OpenPGP).",
    ),
    "The ProofMode proof bundle.": ("Пакет доказів ProofMode.", "Пакет доказательств ProofMode.",
                                    "ProofMode delil paketi."),
    "The trust anchors (PEM certificates).": (
        "Довірчі корені (сертифікати PEM).",
        "Доверенные корни (сертификаты PEM).",
        "İşanç tamırları (PEM sertifikatları).",
    ),
    "With ``--witness VKEY … [--witnesses-needed K]`` replies are read only as far as K of those witnesses cosigned the drop's log.": (
        "З ``--witness VKEY … [--witnesses-needed K]`` відповіді читаються лише до того місця, яке K з цих свідків спільно підписали в журналі сервера прийому.",
        "С ``--witness VKEY … [--witnesses-needed K]`` ответы читаются только до того места, которое K из этих свидетелей совместно подписали в журнале сервера приёма.",
        "``--witness VKEY … [--witnesses-needed K]`` ile cevaplar tek bu şaatlardan K qabul serveriniñ defterini birlikte imzalağan yerge qadar oqula.",
    ),
    "With ``--witness VKEY … [--witnesses-needed K]`` the desk keeps the policy \"K of these witnesses\" for ``--drop`` (or for every drop it knows) and advances on a drop only as far as K valid cosignatures of them cover a checkpoint consistent with what it verified.": (
        "З ``--witness VKEY … [--witnesses-needed K]`` робоче місце зберігає правило «K з цих свідків» для ``--drop`` (або для кожного відомого йому сервера прийому) і просувається на сервері прийому лише до того місця, де K дійсних спільних підписів цих свідків покривають контрольну точку, сумісну з тим, що воно перевірило.",
        "С ``--witness VKEY … [--witnesses-needed K]`` рабочее место сохраняет правило «K из этих свидетелей» для ``--drop`` (или для каждого известного ему сервера приёма) и продвигается на сервере приёма только до того места, где K действительных совместных подписей этих свидетелей покрывают контрольную точку, совместимую с тем, что оно проверило.",
        "``--witness VKEY … [--witnesses-needed K]`` ile iş yeri ``--drop`` içün (ya da bilgen er qabul serveri içün) «bu şaatlardan K» qaidesini saqlay ve qabul serverinde tek olarnıñ K doğru birlikte imzası özü teşkergen ile uyğun teşkerüv noqtasını örtken yerge qadar ilerilay.",
    ),
    # --- i18n2: the desk services' errors (store, cases, share, anchor, provenance) ---
    "no source {ref}": ("немає джерела {ref}", "нет источника {ref}", "{ref} menbası yoq"),
    "unknown legal qualification {code}": (
        "невідома правова кваліфікація {code}",
        "неизвестная правовая квалификация {code}",
        "belgisiz uquqiy tasnif {code}",
    ),
    "confidence is low, medium or high": (
        "впевненість: low (низька), medium (середня) або high (висока)",
        "уверенность: low (низкая), medium (средняя) или high (высокая)",
        "işanç: low (aşağı), medium (orta) ya da high (yüksek)",
    ),
    "no incident {ref}": ("немає інциденту {ref}", "нет инцидента {ref}", "{ref} vaqiası yoq"),
    "cannot open the desk's blob folder": (
        "не вдається відкрити теку вкладень робочого місця",
        "не удаётся открыть папку вложений рабочего места",
        "iş yeriniñ ilâveler papkası açılıp olamay",
    ),
    "this desk was written by a newer Tysha; upgrade first": (
        "це робоче місце записане новішою версією Tysha; спершу оновіть програму",
        "это рабочее место записано более новой версией Tysha; сначала обновите программу",
        "bu iş yeri Tysha-nıñ daa yañı versiyası ile yazılğan; evvelâ programmanı yañartıñız",
    ),
    "desk database error: {kind}": (
        "помилка бази даних робочого місця: {kind}",
        "ошибка базы данных рабочего места: {kind}",
        "iş yeriniñ malümat bazası hatası: {kind}",
    ),
    "cannot write the desk's {name}": (
        "не вдається записати файл робочого місця {name}",
        "не удаётся записать файл рабочего места {name}",
        "iş yeriniñ {name} faylı yazılıp olamay",
    ),
    "cannot read the desk's {name}": (
        "не вдається прочитати файл робочого місця {name}",
        "не удаётся прочитать файл рабочего места {name}",
        "iş yeriniñ {name} faylı oqulıp olamay",
    ),
    "an incident starts from at least one report": (
        "інцидент починається щонайменше з одного повідомлення",
        "инцидент начинается как минимум с одного сообщения",
        "vaqia eñ az bir haberden başlay",
    ),
    "{what} is not a number of degrees": (
        "{what}: це не число градусів",
        "{what}: это не число градусов",
        "{what}: bu derece sayısı degil",
    ),
    "{what} is not a whole number": (
        "{what}: це не ціле число",
        "{what}: это не целое число",
        "{what}: bu tam sayı degil",
    ),
    "releasing protected details needs a reviewer, a recipient and a reason": (
        "для розкриття захищених подробиць потрібні рецензент, отримувач і причина",
        "для раскрытия защищённых подробностей нужны рецензент, получатель и причина",
        "qorçalanğan tafsilâtlarnı açmaq içün teşkerici, alıcı ve sebep kerek",
    ),
    "incident {iid} has no act {act}": (
        "в інциденті {iid} немає дії {act}",
        "в инциденте {iid} нет действия {act}",
        "{iid} vaqiasında {act} areketi yoq",
    ),
    "that is this desk's own key": (
        "це власний ключ цього робочого місця",
        "это собственный ключ этого рабочего места",
        "bu, bu iş yeriniñ öz anahtarı",
    ),
    "choose at least one report to share": (
        "виберіть щонайменше одне повідомлення, щоб поділитися",
        "выберите хотя бы одно сообщение, чтобы поделиться",
        "paylaşmaq içün eñ az bir haber saylañız",
    ),
    "an original no longer matches its hash; it is not shared": (
        "оригінал більше не відповідає своєму хешу; ним не поділено",
        "оригинал больше не соответствует своему хешу; им не поделились",
        "asıl fayl artıq öz heşine uyğun kelmey; o paylaşılmadı",
    ),
    "the originals are too large for one share": (
        "оригінали завеликі для однієї передачі",
        "оригиналы слишком велики для одной передачи",
        "asıl fayllar bir paylaşım içün pek büyük",
    ),
    "the time-stamping authority refused ({status})": (
        "служба позначок часу відмовила ({status})",
        "служба меток времени отказала ({status})",
        "vaqıt tamğası hizmeti red etti ({status})",
    ),
    "this desk has no drop to anchor its custody in (tysha desk invite)": (
        "у цього робочого місця немає сервера прийому, щоб закріпити журнал зберігання (tysha desk invite)",
        "у этого рабочего места нет сервера приёма, чтобы закрепить журнал хранения (tysha desk invite)",
        "bu iş yeriniñ saqlav jurnalını bekitmek içün qabul serveri yoq (tysha desk invite)",
    ),
    "that drop is not one of this desk's": (
        "цей сервер прийому не належить цьому робочому місцю",
        "этот сервер приёма не принадлежит этому рабочему месту",
        "bu qabul serveri bu iş yeriniñ degil",
    ),
    "the time-stamping authority cannot be reached": (
        "служба позначок часу недоступна",
        "служба меток времени недоступна",
        "vaqıt tamğası hizmetine yetişilmey",
    ),
    "the drop's receipt for the anchor does not hold ({detail})": (
        "квитанція сервера прийому про закріплення не підтверджується ({detail})",
        "квитанция сервера приёма о закреплении не подтверждается ({detail})",
        "qabul serveriniñ bekitilüv içün makbuzı doğru çıqmay ({detail})",
    ),
    "the drop's witnessed checkpoint (tree of {size}) is not consistent with the tree of {held} this desk holds receipts in: the drop forked": (
        "засвідчена контрольна точка сервера прийому (дерево з {size}) несумісна з деревом з {held}, у якому це робоче місце має квитанції: сервер прийому розгалузив журнал",
        "засвидетельствованная контрольная точка сервера приёма (дерево из {size}) несовместима с деревом из {held}, в котором это рабочее место имеет квитанции: сервер приёма разветвил журнал",
        "qabul serveriniñ şaatlanğan teşkerüv noqtası ({size} ağacı) bu iş yeri makbuzlarnı tutqan {held} ağacı ile uyğun degil: qabul serveri defterni çatalladı",
    ),
    "{name} is larger than a ProofMode bundle may be ({limit} bytes)": (
        "{name} більший, ніж може бути пакет ProofMode ({limit} байтів)",
        "{name} больше, чем может быть пакет ProofMode ({limit} байт)",
        "{name} ProofMode paketi ola bilgeninden büyük ({limit} bayt)",
    ),
    "{name} is larger than allowed ({cap} bytes)": (
        "{name} більший, ніж дозволено ({cap} байтів)",
        "{name} больше, чем разрешено ({cap} байт)",
        "{name} izin berilgeninden büyük ({cap} bayt)",
    ),
    "{name}: no proof in it is about an attachment of report {rid} (its file hashes match none of them); nothing imported": (
        "{name}: жоден доказ у ньому не стосується вкладення повідомлення {rid} (хеші його файлів не збігаються з жодним); нічого не імпортовано",
        "{name}: ни одно доказательство в нём не относится к вложению сообщения {rid} (хеши его файлов не совпадают ни с одним); ничего не импортировано",
        "{name}: içindeki iç bir delil {rid} haberiniñ ilâvesine ait degil (fayl heşleri iç birine uyğun kelmey); bir şey alınmadı",
    ),
    "{name} is not a file": ("{name} не є файлом", "{name} не является файлом", "{name} fayl degil"),
    "{name} is not a readable zip archive (truncated?)": (
        "{name} не є читабельним zip-архівом (обрізаний?)",
        "{name} не является читаемым zip-архивом (обрезан?)",
        "{name} oqulğan zip arhivi degil (kesilgen mi?)",
    ),
    "{name} is damaged or truncated": (
        "{name} пошкоджений або обрізаний",
        "{name} повреждён или обрезан",
        "{name} bozuq ya da kesilgen",
    ),
    "the bundle declares more content than any ProofMode bundle": (
        "пакет оголошує більше вмісту, ніж будь-який пакет ProofMode",
        "пакет объявляет больше содержимого, чем любой пакет ProofMode",
        "paket er angi ProofMode paketinden çoq muhteva bildire",
    ),
    "the bundle's proofs and signatures are larger than any real ones": (
        "докази й підписи пакета більші за будь-які справжні",
        "доказательства и подписи пакета больше любых настоящих",
        "paketniñ delilleri ve imzaları er angi aqiqiylerinden büyük",
    ),
    "the trust anchors are not PEM certificates": (
        "довірчі корені не є сертифікатами PEM",
        "доверенные корни не являются сертификатами PEM",
        "işanç tamırları PEM sertifikatları degil",
    ),
    "no file {name}": ("немає файлу {name}", "нет файла {name}", "{name} faylı yoq"),
    "{name} expands more than any real file (zip bomb?)": (
        "{name} розпаковується більшим за будь-який справжній файл (zip-бомба?)",
        "{name} распаковывается больше любого настоящего файла (zip-бомба?)",
        "{name} er angi aqiqiy fayldan büyük açıla (zip bombası mı?)",
    ),
    "OpenPGP checks are not available: the pgpy library does not load on this Python (3.11 or 3.12 is needed for pgpy 0.6)": (
        "перевірки OpenPGP недоступні: бібліотека pgpy не завантажується на цьому Python (для pgpy 0.6 потрібен 3.11 або 3.12)",
        "проверки OpenPGP недоступны: библиотека pgpy не загружается на этом Python (для pgpy 0.6 нужен 3.11 или 3.12)",
        "OpenPGP teşkerüvleri yoq: pgpy kütüphanesi bu Python-da yüklenmey (pgpy 0.6 içün 3.11 ya da 3.12 kerek)",
    ),
    "pubkey.asc is not an OpenPGP public key": (
        "pubkey.asc не є відкритим ключем OpenPGP",
        "pubkey.asc не является открытым ключом OpenPGP",
        "pubkey.asc OpenPGP açıq anahtarı degil",
    ),
    "{name} is longer than it declares": (
        "{name} довший, ніж оголошує",
        "{name} длиннее, чем объявляет",
        "{name} bildirgeninden uzun",
    ),
    # --- i18n2: provenance lines of `desk show`, `import-proofmode`, `c2pa-trust`, `verify` ---
    "the number of victims": ("кількість потерпілих", "количество пострадавших", "zarar körgenlerniñ sayısı"),
    "the latitude": ("широта", "широта", "kenglik"),
    "the longitude": ("довгота", "долгота", "uzunlıq"),
    "the precision": ("точність", "точность", "doğruluq"),
    "VALID": ("ДІЙСНИЙ", "ДЕЙСТВИТЕЛЕН", "DOĞRU"),
    "INVALID": ("НЕДІЙСНИЙ", "НЕДЕЙСТВИТЕЛЕН", "DOĞRU DEGİL"),
    "UNTRUSTED-SIGNER": ("ПІДПИСАНТ-НЕ-ДОВІРЕНИЙ", "ПОДПИСАНТ-НЕ-ДОВЕРЕН", "İMZALAYICI-İŞANÇLI-DEGİL"),
    "ABSENT": ("ВІДСУТНІЙ", "ОТСУТСТВУЕТ", "YOQ"),
    "UNCHECKED": ("НЕ ПЕРЕВІРЕНО", "НЕ ПРОВЕРЕНО", "TEŞKERİLMEDİ"),
    "C2PA: {state}  signer {signer}, issuer {issuer}, made by {generator}, signed {signed}": (
        "C2PA: {state}  підписант {signer}, видавець {issuer}, створено {generator}, підписано {signed}",
        "C2PA: {state}  подписант {signer}, издатель {issuer}, создано {generator}, подписано {signed}",
        "C2PA: {state}  imzalayıcı {signer}, bergen {issuer}, yapqan {generator}, imzalanğan {signed}",
    ),
    "(no time-stamp)": ("(без позначки часу)", "(без метки времени)", "(vaqıt tamğası yoq)"),
    "ProofMode: {state}  signer key {key}": (
        "ProofMode: {state}  ключ підписанта {key}",
        "ProofMode: {state}  ключ подписанта {key}",
        "ProofMode: {state}  imzalayıcı anahtarı {key}",
    ),
    "signature ok": ("підпис дійсний", "подпись действительна", "imza doğru"),
    "signature NOT ok": ("підпис НЕДІЙСНИЙ", "подпись НЕДЕЙСТВИТЕЛЬНА", "imza DOĞRU DEGİL"),
    "from {name}": ("з {name}", "из {name}", "{name} faylından"),
    "reason: {reason}": ("причина: {reason}", "причина: {reason}", "sebep: {reason}"),
    "{key} (as claimed): {value}": (
        "{key} (як заявлено): {value}",
        "{key} (как заявлено): {value}",
        "{key} (bildirilgenine köre): {value}",
    ),
    "provenance about no attachment of this report:": (
        "походження, що не стосується жодного вкладення цього повідомлення:",
        "происхождение, не относящееся ни к одному вложению этого сообщения:",
        "bu haberniñ iç bir ilâvesine ait olmağan menşe:",
    ),
    "{n} of the proofs in {name} do not verify": (
        "не перевіряються докази з {name}: {n}",
        "не проверяются доказательства из {name}: {n}",
        "{name} içindeki delillerden {n} teşkerilmey",
    ),
    "{n} of the proofs in {name} do not verify or are not by the --signer key": (
        "не перевіряються або підписані не ключем --signer докази з {name}: {n}",
        "не проверяются или подписаны не ключом --signer доказательства из {name}: {n}",
        "{name} içindeki delillerden {n} teşkerilmey ya da --signer anahtarı ile degil",
    ),
    "carried provenance": ("перенесене походження", "перенесённое происхождение", "taşılğan menşe"),
    "report {id}: {detail}": ("повідомлення {id}: {detail}", "сообщение {id}: {detail}", "{id} haberi: {detail}"),
    "proofmode valid": ("proofmode дійсний", "proofmode действителен", "proofmode doğru"),
    "proofmode invalid": ("proofmode недійсний", "proofmode недействителен", "proofmode doğru degil"),
    "proofmode untrusted-signer": ("proofmode підписант не довірений", "proofmode подписант не доверен", "proofmode imzalayıcı işançlı degil"),
    "proofmode absent": ("proofmode відсутній", "proofmode отсутствует", "proofmode yoq"),
    "proofmode unchecked": ("proofmode не перевірено", "proofmode не проверено", "proofmode teşkerilmedi"),
    "c2pa valid": ("c2pa дійсний", "c2pa действителен", "c2pa doğru"),
    "c2pa invalid": ("c2pa недійсний", "c2pa недействителен", "c2pa doğru degil"),
    "c2pa untrusted-signer": ("c2pa підписант не довірений", "c2pa подписант не доверен", "c2pa imzalayıcı işançlı degil"),
    "c2pa absent": ("c2pa відсутній", "c2pa отсутствует", "c2pa yoq"),
    "c2pa unchecked": ("c2pa не перевірено", "c2pa не проверено", "c2pa teşkerilmedi"),
    "signed by {who}": ("підписав {who}", "подписал {who}", "imzalağan {who}"),
    "signed by unknown signer": ("підписав невідомий підписант", "подписал неизвестный подписант", "imzalağan belgisiz imzalayıcı"),
    "signed by unknown signer [{fp}]": (
        "підписав невідомий підписант [{fp}]",
        "подписал неизвестный подписант [{fp}]",
        "imzalağan belgisiz imzalayıcı [{fp}]",
    ),
    "issuer {issuer}": ("видавець {issuer}", "издатель {issuer}", "bergen {issuer}"),
    "made by {generator}": ("створено {generator}", "создано {generator}", "yapqan {generator}"),
    "signed at {at}": ("підписано {at}", "подписано {at}", "imzalanğan vaqıt {at}"),
    "attachment {n} sha256 {digest}": ("вкладення {n} sha256 {digest}", "вложение {n} sha256 {digest}", "{n} ilâvesi sha256 {digest}"),
    "no attachment sha256 {digest}": ("без вкладення sha256 {digest}", "без вложения sha256 {digest}", "ilâvesiz sha256 {digest}"),
    # --- i18n2: the witness's and Tor's errors ---
    "witness {name} refuses size {size} of {origin}: it is not consistent with size {old} it cosigned (a fork, or a bad proof)": (
        "свідок {name} відхиляє розмір {size} журналу {origin}: він несумісний з розміром {old}, який свідок підписав (розгалуження або хибний доказ)",
        "свидетель {name} отклоняет размер {size} журнала {origin}: он несовместим с размером {old}, который свидетель подписал (разветвление или ложное доказательство)",
        "{name} şaatı {origin} defteriniñ {size} ölçüsini red ete: o, şaat imzalağan {old} ölçüsi ile uyğun degil (çatallanuv ya da yañlış delil)",
    ),
    "witness {name} answered without its cosignature": (
        "свідок {name} відповів без свого спільного підпису",
        "свидетель {name} ответил без своей совместной подписи",
        "{name} şaatı öz birlikte imzası olmadan cevap berdi",
    ),
    "witness {name} could not be reached": (
        "свідок {name} недоступний",
        "свидетель {name} недоступен",
        "{name} şaatına yetişilmedi",
    ),
    "witness {name} cosigned another tree of size {size} for {origin}: the log has two histories (a fork)": (
        "свідок {name} підписав інше дерево розміру {size} для {origin}: журнал має дві історії (розгалуження)",
        "свидетель {name} подписал другое дерево размера {size} для {origin}: у журнала две истории (разветвление)",
        "{name} şaatı {origin} içün {size} ölçüli başqa bir ağacnı imzaladı: defterniñ eki tarihı bar (çatallanuv)",
    ),
    "wrong content type": ("неправильний тип вмісту", "неправильный тип содержимого", "yañlış muhteva tipi"),
    "witness {name} answered without well-formed cosignature lines": (
        "свідок {name} відповів без правильно сформованих рядків спільного підпису",
        "свидетель {name} ответил без правильно сформированных строк совместной подписи",
        "{name} şaatı doğru qurulğan birlikte imza satırları olmadan cevap berdi",
    ),
    "{path} already holds a witness; refusing to overwrite its key": (
        "{path} вже містить свідка; його ключ не буде перезаписано",
        "{path} уже содержит свидетеля; его ключ не будет перезаписан",
        "{path} içinde endi şaat bar; onıñ anahtarı üstünden yazılmay",
    ),
    "--log takes ORIGIN=VKEY (the log's origin and its verifier key)": (
        "--log приймає ORIGIN=VKEY (походження журналу та його ключ перевірки)",
        "--log принимает ORIGIN=VKEY (происхождение журнала и его ключ проверки)",
        "--log ORIGIN=VKEY ala (defterniñ menşesi ve onıñ teşkerüv anahtarı)",
    ),
    "--log: the origin has spaces around it or a control character": (
        "--log: походження має пробіли навколо або керівний символ",
        "--log: у происхождения пробелы вокруг или управляющий символ",
        "--log: menşeniñ etrafında boşluqlar ya da idare işareti bar",
    ),
    "witness name: {detail}": ("назва свідка: {detail}", "имя свидетеля: {detail}", "şaat adı: {detail}"),
    "cannot create the witness in {path}": (
        "не вдається створити свідка в {path}",
        "не удаётся создать свидетеля в {path}",
        "{path} içinde şaat yaratılıp olamay",
    ),
    "--log {origin}: {detail}": ("журнал --log {origin}: {detail}", "журнал --log {origin}: {detail}",
                                 "--log {origin} defteri: {detail}"),
    "a witness needs at least one --log ORIGIN=VKEY to follow": (
        "свідку потрібен щонайменше один --log ORIGIN=VKEY, за яким стежити",
        "свидетелю нужен хотя бы один --log ORIGIN=VKEY, за которым следить",
        "şaatqa közetmek içün eñ az bir --log ORIGIN=VKEY kerek",
    ),
    "the witness state in {path} is missing, empty or not this key's: refusing to start (a witness that lost its state must get a new key)": (
        "стан свідка в {path} відсутній, порожній або належить іншому ключу: запуск відхилено (свідок, що втратив стан, має отримати новий ключ)",
        "состояние свидетеля в {path} отсутствует, пусто или принадлежит другому ключу: запуск отклонён (свидетель, потерявший состояние, должен получить новый ключ)",
        "{path} içindeki şaat alı yoq, boş ya da bu anahtarnıñ degil: başlatılmay (alını ğayıp etken şaat yañı anahtar almalı)",
    ),
    "{path} is not a witness folder (no {needed}); run 'tysha witness init' — a witness whose state was lost must get a new key": (
        "{path} не є текою свідка (немає {needed}); запустіть 'tysha witness init' — свідок, що втратив стан, має отримати новий ключ",
        "{path} не является папкой свидетеля (нет {needed}); запустите 'tysha witness init' — свидетель, потерявший состояние, должен получить новый ключ",
        "{path} şaat papkası degil ({needed} yoq); 'tysha witness init' işletiñiz — alını ğayıp etken şaat yañı anahtar almalı",
    ),
    "the witness key or settings in {path} are unreadable": (
        "ключ або налаштування свідка в {path} неможливо прочитати",
        "ключ или настройки свидетеля в {path} невозможно прочитать",
        "{path} içindeki şaat anahtarı ya da ayarları oqulmay",
    ),
    "the witness cannot commit its state; nothing was cosigned": (
        "свідок не може зберегти свій стан; нічого не підписано",
        "свидетель не может сохранить своё состояние; ничего не подписано",
        "şaat öz alını saqlap olamay; bir şey imzalanmadı",
    ),
    "give at least one --bridge line": (
        "вкажіть щонайменше один рядок --bridge",
        "укажите хотя бы одну строку --bridge",
        "eñ az bir --bridge satırı beriñiz",
    ),
    "tor is not installed; nothing was sent": (
        "tor не встановлено; нічого не надіслано",
        "tor не установлен; ничего не отправлено",
        "tor qurulmağan; bir şey yiberilmedi",
    ),
    "a --bridge line is one line of text": (
        "рядок --bridge — це один рядок тексту",
        "строка --bridge — это одна строка текста",
        "--bridge satırı bir metin satırıdır",
    ),
    "a --bridge line starts with obfs4 or snowflake": (
        "рядок --bridge починається з obfs4 або snowflake",
        "строка --bridge начинается с obfs4 или snowflake",
        "--bridge satırı obfs4 ya da snowflake ile başlay",
    ),
    "{program} is not installed (apt-get install it)": (
        "{program} не встановлено (встановіть через apt-get)",
        "{program} не установлен (установите через apt-get)",
        "{program} qurulmağan (apt-get ile quruñız)",
    ),
    "TYSHA_TOR_TORRC does not name a readable torrc file": (
        "TYSHA_TOR_TORRC не вказує на читабельний файл torrc",
        "TYSHA_TOR_TORRC не указывает на читаемый файл torrc",
        "TYSHA_TOR_TORRC oqulğan torrc faylını köstermey",
    ),
    "the bridge Tor stopped; nothing was sent": (
        "Tor із мостом зупинився; нічого не надіслано",
        "Tor с мостом остановился; ничего не отправлено",
        "köprüli Tor toqtadı; bir şey yiberilmedi",
    ),
    "the 'obfs4proxy' program is not installed": (
        "програму 'obfs4proxy' не встановлено",
        "программа 'obfs4proxy' не установлена",
        "'obfs4proxy' programması qurulmağan",
    ),
    "tor-gencert made no authority certificate": (
        "tor-gencert не створив сертифіката центру",
        "tor-gencert не создал сертификата центра",
        "tor-gencert merkez sertifikatını yapmadı",
    ),
    "tor printed no fingerprint": ("tor не вивів відбитка", "tor не вывел отпечатка", "tor parmaq izini çıqarmadı"),
    "tor node {name} exited: {tail}": (
        "вузол tor {name} завершився: {tail}",
        "узел tor {name} завершился: {tail}",
        "{name} tor tügüni çıqtı: {tail}",
    ),
    "the private Tor network did not converge in time": (
        "приватна мережа Tor не узгодилася вчасно",
        "частная сеть Tor не согласовалась вовремя",
        "hususiy Tor ağı vaqtında birleşmedi",
    ),
    "the onion service made no address": (
        "onion-сервіс не створив адреси",
        "onion-сервис не создал адреса",
        "onion hizmeti adres yapmadı",
    ),
    "tor client {name} did not bootstrap in time": (
        "клієнт tor {name} не запустився вчасно",
        "клиент tor {name} не запустился вовремя",
        "{name} tor müşterisi vaqtında başlamadı",
    ),
    "tor node {name} made no identity in time": (
        "вузол tor {name} не створив ідентичності вчасно",
        "узел tor {name} не создал идентичности вовремя",
        "{name} tor tügüni vaqtında kimlik yapmadı",
    ),
    "the drop's port must be between 1 and 65535": (
        "порт сервера прийому має бути від 1 до 65535",
        "порт сервера приёма должен быть от 1 до 65535",
        "qabul serveriniñ portu 1 ile 65535 arasında olmalı",
    ),
    # --- i18n2: the drop's errors (service, server, uploads) ---
    "{path} already holds a drop; refusing to overwrite its log key": (
        "{path} вже містить сервер прийому; його ключ журналу не буде перезаписано",
        "{path} уже содержит сервер приёма; его ключ журнала не будет перезаписан",
        "{path} içinde endi qabul serveri bar; onıñ defter anahtarı üstünden yazılmay",
    ),
    "the origin must be a non-empty name without spaces or '+'": (
        "походження має бути непорожньою назвою без пробілів і '+'",
        "происхождение должно быть непустым именем без пробелов и '+'",
        "menşe boşluqsız ve '+' olmağan boş olmağan ad olmalı",
    ),
    "this deletion secret does not open any slot of that envelope": (
        "цей секрет видалення не відкриває жодного слота цього конверта",
        "этот секрет удаления не открывает ни одного слота этого конверта",
        "bu silüv sırrı o zarfnıñ iç bir yuvasını açmay",
    ),
    "drop.json: origin must be a non-empty name without spaces or '+'": (
        "drop.json: origin має бути непорожньою назвою без пробілів і '+'",
        "drop.json: origin должно быть непустым именем без пробелов и '+'",
        "drop.json: origin boşluqsız ve '+' olmağan boş olmağan ad olmalı",
    ),
    "drop.json: pow_bits is out of range (0 to 24)": (
        "drop.json: pow_bits поза межами (від 0 до 24)",
        "drop.json: pow_bits вне диапазона (от 0 до 24)",
        "drop.json: pow_bits sıñırdan tış (0-dan 24-ke qadar)",
    ),
    "drop.json must hold a JSON object": (
        "drop.json має містити об'єкт JSON",
        "drop.json должен содержать объект JSON",
        "drop.json içinde JSON obyekti olmalı",
    ),
    "drop.json: unknown setting(s): {names}": (
        "drop.json: невідомі налаштування: {names}",
        "drop.json: неизвестные настройки: {names}",
        "drop.json: belgisiz ayarlar: {names}",
    ),
    "the log has no checkpoint yet": (
        "журнал ще не має контрольної точки",
        "у журнала ещё нет контрольной точки",
        "defterniñ daa teşkerüv noqtası yoq",
    ),
    "inclusion proof asked outside the tree": (
        "доказ включення запитано поза деревом",
        "доказательство включения запрошено вне дерева",
        "kirsetüv delili ağactan tış soraldı",
    ),
    "consistency proof asked outside the tree": (
        "доказ узгодженості запитано поза деревом",
        "доказательство согласованности запрошено вне дерева",
        "uyğunlıq delili ağactan tış soraldı",
    ),
    "no such envelope (expired or deleted)": (
        "такого конверта немає (термін минув або видалено)",
        "такого конверта нет (срок истёк или удалён)",
        "öyle zarf yoq (müddeti keçti ya da silindi)",
    ),
    "drop.json: {name} must be of type {kind}": (
        "drop.json: {name} має бути типу {kind}",
        "drop.json: {name} должно быть типа {kind}",
        "drop.json: {name} {kind} tipinde olmalı",
    ),
    "drop.json: {name} is out of range": (
        "drop.json: {name} поза межами",
        "drop.json: {name} вне диапазона",
        "drop.json: {name} sıñırdan tış",
    ),
    "{path} is not a drop folder; run `tysha drop init` first": (
        "{path} не є текою сервера прийому; спершу запустіть `tysha drop init`",
        "{path} не является папкой сервера приёма; сначала запустите `tysha drop init`",
        "{path} qabul serveri papkası degil; evvelâ `tysha drop init` işletiñiz",
    ),
    "{name} in {path} cannot be read as JSON": (
        "{name} у {path} неможливо прочитати як JSON",
        "{name} в {path} невозможно прочитать как JSON",
        "{path} içindeki {name} JSON olaraq oqulmay",
    ),
    "log node {node} is missing from the store": (
        "вузла журналу {node} немає в сховищі",
        "узла журнала {node} нет в хранилище",
        "{node} defter tügüni saqlavda yoq",
    ),
    "proof of work must be 16 hex characters": (
        "доказ роботи має складатися з 16 шістнадцяткових символів",
        "доказательство работы должно состоять из 16 шестнадцатеричных символов",
        "iş delili 16 onaltılıq işaretten ibaret olmalı",
    ),
    "cannot listen on port {port}": (
        "не вдається слухати порт {port}",
        "не удаётся слушать порт {port}",
        "{port} portu diñlenip olamay",
    ),
    "cannot listen on {host} port {port}: not a valid address": (
        "не вдається слухати {host} порт {port}: це не дійсна адреса",
        "не удаётся слушать {host} порт {port}: это не действительный адрес",
        "{host} {port} portu diñlenip olamay: doğru adres degil",
    ),
    "port {port} is busy: another program is listening there": (
        "порт {port} зайнятий: його вже слухає інша програма",
        "порт {port} занят: его уже слушает другая программа",
        "{port} portu meşğul: onı başqa programma diñley",
    ),
    "not allowed to listen on port {port}": (
        "немає дозволу слухати порт {port}",
        "нет разрешения слушать порт {port}",
        "{port} portunı diñlemege izin yoq",
    ),
    "cannot listen on {host}: no such local address": (
        "не вдається слухати {host}: такої локальної адреси немає",
        "не удаётся слушать {host}: такого локального адреса нет",
        "{host} diñlenip olamay: öyle yerli adres yoq",
    ),
    "no such upload": ("такого завантаження немає", "такой загрузки нет", "öyle yüklev yoq"),
    "no such upload (finished, discarded or never made)": (
        "такого завантаження немає (завершене, відкинуте або ніколи не створене)",
        "такой загрузки нет (завершена, отброшена или никогда не создавалась)",
        "öyle yüklev yoq (bitken, taşlanğan ya da iç yapılmağan)",
    ),
    "cannot open an upload record ({error})": (
        "не вдається відкрити запис завантаження ({error})",
        "не удаётся открыть запись загрузки ({error})",
        "yüklev qaydı açılıp olamay ({error})",
    ),
    "chunk goes past the announced length": (
        "частина виходить за оголошену довжину",
        "часть выходит за объявленную длину",
        "parça bildirilgen uzunlıqtan ötip kete",
    ),
    "uploaded bytes do not match the announced digest": (
        "завантажені байти не відповідають оголошеному дайджесту",
        "загруженные байты не соответствуют объявленному дайджесту",
        "yüklengen baytlar bildirilgen heşke uyğun kelmey",
    ),
    # --- i18n2: what `desk fetch` warns of (withheld entries, unreachable drops, envelopes) ---
    "{url}: entry {index} WITHHELD: {why}": (
        "{url}: запис {index} WITHHELD (приховано): {why}",
        "{url}: запись {index} WITHHELD (скрыта): {why}",
        "{url}: {index} yazısı WITHHELD (saqlanğan): {why}",
    ),
    "addressed to this desk, but deleted on the drop without this desk": (
        "адресований цьому робочому місцю, але видалений на сервері прийому без нього",
        "адресован этому рабочему месту, но удалён на сервере приёма без него",
        "bu iş yerine yiberilgen, amma qabul serverinde onsız silingen",
    ),
    "called deleted, but its log entry cannot be proved ({detail})": (
        "названий видаленим, але його запис у журналі не вдається довести ({detail})",
        "назван удалённым, но его запись в журнале не удаётся доказать ({detail})",
        "silingen dep aytıla, amma onıñ defterdeki yazısı isbat etilip olamay ({detail})",
    ),
    "claimed expired (hour {hour}), but it is addressed to this desk, whose key is younger": (
        "заявлено, що термін минув (година {hour}), але він адресований цьому робочому місцю, чий ключ молодший",
        "заявлено, что срок истёк (час {hour}), но он адресован этому рабочему месту, чей ключ моложе",
        "müddeti keçti dep aytıla ({hour} saat), amma o, anahtarı daa yaş olğan bu iş yerine yiberilgen",
    ),
    "the drop served another envelope than its log holds at this index": (
        "сервер прийому видав інший конверт, ніж той, що в його журналі під цим номером",
        "сервер приёма выдал другой конверт, чем тот, что в его журнале под этим номером",
        "qabul serveri defterinde bu nomerde olğan zarftan başqa zarf berdi",
    ),
    "omitted from the listing": ("пропущений у переліку", "пропущен в списке", "cedvelde qaldırılğan"),
    "claimed expired, but it arrived too recently (hour {hour})": (
        "заявлено, що термін минув, але він надійшов надто недавно (година {hour})",
        "заявлено, что срок истёк, но он поступил слишком недавно (час {hour})",
        "müddeti keçti dep aytıla, amma o pek yaqın kelgen ({hour} saat)",
    ),
    "{url}: the drop is unreachable; try again later": (
        "{url}: сервер прийому недоступний; спробуйте пізніше",
        "{url}: сервер приёма недоступен; попробуйте позже",
        "{url}: qabul serverine yetişilmey; soñra kene deneñiz",
    ),
    "{url}: the drop is unreachable (none of its {n} addresses answered); try again later": (
        "{url}: сервер прийому недоступний (не відповіла жодна з його адрес: {n}); спробуйте пізніше",
        "{url}: сервер приёма недоступен (не ответил ни один из его адресов: {n}); попробуйте позже",
        "{url}: qabul serverine yetişilmey (onıñ {n} adresinden iç biri cevap bermedi); soñra kene deneñiz",
    ),
    "{url}: the drop is unreachable{none}; try again later": (
        "{url}: сервер прийому недоступний{none}; спробуйте пізніше",
        "{url}: сервер приёма недоступен{none}; попробуйте позже",
        "{url}: qabul serverine yetişilmey{none}; soñra kene deneñiz",
    ),
    "{url}: the drop's checkpoint is unusable: {detail}": (
        "{url}: контрольна точка сервера прийому непридатна: {detail}",
        "{url}: контрольная точка сервера приёма непригодна: {detail}",
        "{url}: qabul serveriniñ teşkerüv noqtası qullanılmay: {detail}",
    ),
    "{url}: the drop serves only the old listing; an entry it leaves out cannot be detected": (
        "{url}: сервер прийому надає лише старий перелік; пропущений запис неможливо виявити",
        "{url}: сервер приёма предоставляет только старый список; пропущенную запись невозможно обнаружить",
        "{url}: qabul serveri tek eski cedvelni bere; qaldırğan yazısı tapılıp olamay",
    ),
    "{url}: the drop stopped answering; try again later": (
        "{url}: сервер прийому перестав відповідати; спробуйте пізніше",
        "{url}: сервер приёма перестал отвечать; попробуйте позже",
        "{url}: qabul serveri cevap bermekni toqtattı; soñra kene deneñiz",
    ),
    "{url}: entry {index} addressed to this desk expired on the drop before it was fetched": (
        "{url}: термін запису {index}, адресованого цьому робочому місцю, минув на сервері прийому, перш ніж його отримали",
        "{url}: срок записи {index}, адресованной этому рабочему месту, истёк на сервере приёма до того, как её получили",
        "{url}: bu iş yerine yiberilgen {index} yazısınıñ müddeti alınmazdan evel qabul serverinde keçti",
    ),
    "envelope {index} is gone from the drop": (
        "конверта {index} більше немає на сервері прийому",
        "конверта {index} больше нет на сервере приёма",
        "{index} zarfı artıq qabul serverinde yoq",
    ),
    "envelope {index}: the drop did not answer; will retry": (
        "конверт {index}: сервер прийому не відповів; буде повторна спроба",
        "конверт {index}: сервер приёма не ответил; будет повторная попытка",
        "{index} zarfı: qabul serveri cevap bermedi; kene denenecek",
    ),
    "envelope {index}: the desk could not store it": (
        "конверт {index}: робоче місце не змогло його зберегти",
        "конверт {index}: рабочее место не смогло его сохранить",
        "{index} zarfı: iş yeri onı saqlap olamadı",
    ),
    "envelope {index} set aside ({reason})": (
        "конверт {index} відкладено ({reason})",
        "конверт {index} отложен ({reason})",
        "{index} zarfı bir kenarğa qoyuldı ({reason})",
    ),
    "envelope {index}: receipt: {detail}": (
        "конверт {index}: квитанція: {detail}",
        "конверт {index}: квитанция: {detail}",
        "{index} zarfı: makbuz: {detail}",
    ),
    # --- i18n2: more errors a person sees (export, corroboration index, courier file, shredding) ---
    "no reports to export": ("немає повідомлень для експорту", "нет сообщений для экспорта", "ihrac etmek içün haber yoq"),
    "cannot write the bundle: {error}": (
        "не вдається записати пакет: {error}",
        "не удаётся записать пакет: {error}",
        "paket yazılıp olamay: {error}",
    ),
    "cannot write the Uwazi export: {error}": (
        "не вдається записати експорт для Uwazi: {error}",
        "не удаётся записать экспорт для Uwazi: {error}",
        "Uwazi ihracı yazılıp olamay: {error}",
    ),
    "the corroboration index is damaged; delete it to rebuild": (
        "індекс підтверджень пошкоджений; видаліть його, щоб побудувати заново",
        "индекс подтверждений повреждён; удалите его, чтобы построить заново",
        "tasdıqlar indeksi bozuq; yañıdan qurmaq içün onı siliñiz",
    ),
    "the corroboration index does not decrypt; delete it to rebuild": (
        "індекс підтверджень не розшифровується; видаліть його, щоб побудувати заново",
        "индекс подтверждений не расшифровывается; удалите его, чтобы построить заново",
        "tasdıqlar indeksi şifreden çıqmay; yañıdan qurmaq içün onı siliñiz",
    ),
    "a stored item does not decrypt: wrong key or corrupted desk": (
        "збережений елемент не розшифровується: хибний ключ або пошкоджене робоче місце",
        "сохранённый элемент не расшифровывается: неверный ключ или повреждённое рабочее место",
        "saqlanğan unsur şifreden çıqmay: yañlış anahtar ya da bozuq iş yeri",
    ),
    "bad blob name": ("неправильна назва вкладення", "неправильное имя вложения", "yañlış ilâve adı"),
    "an attachment of this report is missing from the desk": (
        "вкладення цього повідомлення відсутнє на робочому місці",
        "вложение этого сообщения отсутствует на рабочем месте",
        "bu haberniñ ilâvesi iş yerinde yoq",
    ),
    "this is not a courier file (too short)": (
        "це не файл кур'єра (закороткий)",
        "это не файл курьера (слишком короткий)",
        "bu kurye faylı degil (pek qısqa)",
    ),
    "cannot write {path}: {error}": (
        "не вдається записати {path}: {error}",
        "не удаётся записать {path}: {error}",
        "{path} yazılıp olamay: {error}",
    ),
    "courier file is truncated": ("файл кур'єра обрізаний", "файл курьера обрезан", "kurye faylı kesilgen"),
    "malformed receipts file: {detail}": (
        "пошкоджений файл квитанцій: {detail}",
        "повреждённый файл квитанций: {detail}",
        "bozuq makbuzlar faylı: {detail}",
    ),
    "witnesses.json is a list of {url, vkey}": (
        "witnesses.json — це список {url, vkey}",
        "witnesses.json — это список {url, vkey}",
        "witnesses.json {url, vkey} cedvelidir",
    ),
    "could not overwrite {name}: {error}": (
        "не вдалося перезаписати {name}: {error}",
        "не удалось перезаписать {name}: {error}",
        "{name} üstünden yazılıp olamadı: {error}",
    ),
    # --- i18n2: why the source's device says a drop withholds replies ---
    "its listing stops short of the log it signed": (
        "його перелік обривається раніше, ніж журнал, який він підписав",
        "его список обрывается раньше, чем журнал, который он подписал",
        "onıñ cedveli özü imzalağan defterden evel kesile",
    ),
    "a reply to you, claimed expired before your key existed": (
        "відповідь вам, нібито прострочена ще до появи вашого ключа",
        "ответ вам, якобы просроченный ещё до появления вашего ключа",
        "sizge cevap, anahtarıñız olmazdan evel müddeti keçti dep aytılğan",
    ),
    "a reply to you, deleted on the drop without you": (
        "відповідь вам, видалена на сервері прийому без вас",
        "ответ вам, удалённый на сервере приёма без вас",
        "sizge cevap, qabul serverinde sizsiz silingen",
    ),
    "its log entry cannot be proved ({detail})": (
        "його запис у журналі не вдається довести ({detail})",
        "его запись в журнале не удаётся доказать ({detail})",
        "onıñ defterdeki yazısı isbat etilip olamay ({detail})",
    ),
    "the drop served another envelope than its log holds": (
        "сервер прийому видав інший конверт, ніж той, що в його журналі",
        "сервер приёма выдал другой конверт, чем тот, что в его журнале",
        "qabul serveri defterinde olğan zarftan başqa zarf berdi",
    ),
    "it withholds {n} entries of its log from you (entry {index}: {reason})": (
        "він приховує від вас записи свого журналу: {n} (запис {index}: {reason})",
        "он скрывает от вас записи своего журнала: {n} (запись {index}: {reason})",
        "o sizden defteriniñ yazılarını saqlay: {n} ({index} yazısı: {reason})",
    ),
    # --- i18n2: custody actions that had no label (desk show, the web desk's custody list) ---
    "source assigned to a cell": ("джерело призначено осередку", "источник назначен ячейке", "menba hüceyrege berildi"),
    "custody anchored in the drop's log": (
        "журнал зберігання закріплено в журналі сервера прийому",
        "журнал хранения закреплён в журнале сервера приёма",
        "saqlav jurnalı qabul serveriniñ defterinde bekitildi",
    ),
    "drop's log forked": ("журнал сервера прийому розгалужено", "журнал сервера приёма разветвлён", "qabul serveriniñ defteri çatallandı"),
    "handler key pinned": ("ключ куратора закріплено", "ключ куратора закреплён", "küratorniñ anahtarı bekitildi"),
    "incident created": ("інцидент створено", "инцидент создан", "vaqia yaratıldı"),
    "report attached to an incident": ("повідомлення додано до інциденту", "сообщение добавлено к инциденту", "haber vaqiağa qoşuldı"),
    "incident act edited": ("дію інциденту змінено", "действие инцидента изменено", "vaqia areketi deñiştirildi"),
    "incident act qualified": ("дію інциденту кваліфіковано", "действие инцидента квалифицировано", "vaqia areketi tasnif etildi"),
    "protected details released": ("захищені подробиці розкрито", "защищённые подробности раскрыты", "qorçalanğan tafsilâtlar açıldı"),
    "envelope set aside": ("конверт відкладено", "конверт отложен", "zarf bir kenarğa qoyuldı"),
    "shared with an analyst": ("передано аналітику", "передано аналитику", "analitik ile paylaşıldı"),
}


def table() -> dict[str, tuple[str, str, str]]:
    """Every singular msgid with its (uk, ru, crh) translation."""
    from tysha.evidence.taxonomy import CATEGORIES

    out: dict[str, tuple[str, str, str]] = {k: (uk, ru, CRH[k]) for k, (uk, ru) in T.items()}
    out.update(NEW)
    out.update(QUAL)
    out.update({k: v for k, v in CASES.items() if k not in out})
    out.update({k: v for k, v in SOURCE_PAGE.items() if k not in out})
    out.update({k: v for k, v in MAP.items() if k not in out})
    out.update({k: v for k, v in PROVENANCE.items() if k not in out})
    out.update({k: v for k, v in INTEGRATION.items() if k not in out})
    for c in CATEGORIES:  # uk/ru come from the taxonomy itself, crh from here
        out[c.en] = (c.uk, c.ru, CRH_CATEGORIES[c.en])
    # the command line (issue 10): another block's translation of the same msgid wins
    out.update({k: v for k, v in (CLI | CLI_SOURCE | CLI_VERIFY | CLI_HELP | CLI_REFUSALS | CLI_SERVICES).items() if k not in out})
    return out


def plurals() -> dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """Every plural msgid pair with its (uk, ru, crh) forms."""
    return PLURALS | {k: v for k, v in CLI_PLURALS.items() if k not in PLURALS}


# The catalog header says who still has to read the Crimean Tatar (issue 10, point 5).
CRH_REVIEW = (
    "Crimean Tatar (Latin script), written by Tysha's engineers, NOT yet reviewed:\n"
    "it needs a native reviewer (a Qırımtatar documentation team) before field use."
)


def main() -> None:
    root = Path(__file__).resolve().parent.parent / "src" / "tysha" / "locale"
    rows = table()
    for i, lang in enumerate(LANGS):
        cat = Catalog(locale=lang, project="tysha", version="1", charset="utf-8")
        if lang == "crh":
            cat.header_comment = "# " + CRH_REVIEW.replace("\n", "\n# ")
            cat.last_translator = "NEEDS NATIVE REVIEW"
        for msgid, trio in rows.items():
            cat.add(msgid, trio[i])
        for pair, forms in plurals().items():
            cat.add(pair, forms[i])
        (root / lang / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        with open(root / lang / "LC_MESSAGES" / "tysha.po", "wb") as f:
            write_po(f, cat, width=0, omit_header=False)
    cat = Catalog(locale="en", project="tysha", version="1", charset="utf-8")
    for msgid in rows:
        cat.add(msgid, msgid)
    for pair in plurals():
        cat.add(pair, pair)
    with open(root / "en" / "LC_MESSAGES" / "tysha.po", "wb") as f:
        write_po(f, cat, width=0)


if __name__ == "__main__":
    main()
