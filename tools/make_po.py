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


LANGS = ("uk", "ru", "crh")


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
    for c in CATEGORIES:  # uk/ru come from the taxonomy itself, crh from here
        out[c.en] = (c.uk, c.ru, CRH_CATEGORIES[c.en])
    return out


def main() -> None:
    root = Path(__file__).resolve().parent.parent / "src" / "tysha" / "locale"
    rows = table()
    for i, lang in enumerate(LANGS):
        cat = Catalog(locale=lang, project="tysha", version="1", charset="utf-8")
        for msgid, trio in rows.items():
            cat.add(msgid, trio[i])
        for pair, forms in PLURALS.items():
            cat.add(pair, forms[i])
        (root / lang / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        with open(root / lang / "LC_MESSAGES" / "tysha.po", "wb") as f:
            write_po(f, cat, width=0, omit_header=False)
    cat = Catalog(locale="en", project="tysha", version="1", charset="utf-8")
    for msgid in rows:
        cat.add(msgid, msgid)
    for pair in PLURALS:
        cat.add(pair, pair)
    with open(root / "en" / "LC_MESSAGES" / "tysha.po", "wb") as f:
        write_po(f, cat, width=0)


if __name__ == "__main__":
    main()
