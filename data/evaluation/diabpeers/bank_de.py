# ruff: noqa: E501  (hand-written posts, one per line where they fit)
"""German posts of the evaluation corpus, each coded by hand (see README.md).

Each entry is ``(text, codes)``. ``codes`` lists the codes per dimension:
``s:`` support, ``t:`` topic, ``n:`` nudge, ``b:`` behaviour change technique, and ``@img``
for a post with an attached image. Slots in braces (``{food}``) are filled with words that
do not change the codes.
"""

# --- thread starters, by topic: (role, text, codes) ---------------------------------------
ROOTS = {
    "gtk": [
        ("moderator", "Herzlich willkommen in unserer Gruppe! 😊 Ich bin {mod}, eure Moderatorin. "
         "Stellt euch doch kurz vor: wie heißt ihr, seit wann habt ihr Diabetes und was macht ihr gern?",
         "t:gtk n:cocr"),
        ("moderator", "Hallo zusammen, schön dass ihr da seid! Ein paar Gruppenregeln: wir gehen "
         "respektvoll miteinander um, keine Werbung, und was hier geschrieben wird bleibt in der Gruppe.",
         "t:gtk"),
        ("moderator", "Kurz zum Programm: in den nächsten Wochen geht es um Bewegung, Ernährung, "
         "Messen und Stress. Jede Woche gibt es ein neues Thema und kleine Aufgaben 🙂",
         "s:inf t:gtk"),
        ("participant", "Hallo ihr Lieben, ich bin {name}, 58, seit 4 Jahren Typ 2. Ich wohne auf "
         "dem Land und hab zwei Enkel die mich auf Trab halten 😄",
         "t:gtk n:pex"),
        ("participant", "Servus mitanand! I bin da {name} aus Niederbayern, Diabetes hob i seit "
         "2019. Freu mi auf an Austausch", "t:gtk n:pex"),
        ("participant", "Moin! Ich bin neu hier, Diagnose erst vor 3 Monaten. Bin noch ziemlich "
         "durcheinander ehrlich gesagt", "s:emo t:gtk n:pex"),
        ("moderator", "Guten Morgen! Heute mal eine Kennenlern-Frage: Was ist euer "
         "Lieblingsort zum Entspannen? Ich fang an: mein Garten 🌻", "t:gtk n:pex"),
        ("moderator", "Wer noch nicht dazu gekommen ist: hier könnt ihr euch jederzeit noch vorstellen! "
         "Wir freuen uns auf jeden von euch", "t:gtk n:rem"),
    ],
    "path": [
        ("moderator", "Wusstet ihr schon? Bei Typ-2-Diabetes reagieren die Zellen schlechter auf "
         "Insulin, das nennt man Insulinresistenz. Die Bauchspeicheldrüse muss dann immer mehr "
         "Insulin herstellen. Was habt ihr bei der Diagnose darüber erfahren?",
         "s:inf t:path n:fact"),
        ("moderator", "Diese Woche geht es um die Frage: was passiert eigentlich im Körper bei "
         "Diabetes? Ich hab euch eine Grafik aus dem Handbuch mitgebracht.",
         "s:inf t:path n:img @img"),
        ("participant", "Mal ne blöde Frage: kann Typ 2 eigentlich wieder weggehen wenn man viel "
         "abnimmt? Mein Hausarzt meinte sowas", "s:inf t:path"),
        ("participant", "Ich hab gelesen dass Diabetes auch erblich ist. Meine Mutter hatte es auch, "
         "und meine Oma. Ist das bei euch auch so?", "s:inf t:path n:pex"),
        ("moderator", "Die Behandlung von Typ 2 steht auf mehreren Säulen: Bewegung, Ernährung, "
         "Schulung und wenn nötig Medikamente. Keine Säule ist wichtiger als die andere – sie "
         "greifen ineinander. Ausführlich steht das auf Seite 12 im Handbuch.",
         "s:inf t:path"),
        ("participant", "Warum ist mein Zucker morgens eigentlich höher als abends obwohl ich nachts "
         "nix esse?? versteh ich nicht", "s:inf t:path"),
        ("moderator", "Quiz zum Wochenstart 🧠: Welches Organ stellt Insulin her? a) Leber "
         "b) Bauchspeicheldrüse c) Niere. Antwortet einfach mit dem Buchstaben!",
         "s:inf t:path n:play"),
    ],
    "act": [
        ("moderator", "Neue Challenge 🚶‍♀️: Wer schafft diese Woche jeden Tag {steps} Schritte? "
         "Schreibt jeden Abend eure Schritte hier rein!", "t:act n:play b:goal"),
        ("moderator", "Bewegung muss nicht Sport heißen: Treppe statt Aufzug, zu Fuß zum Bäcker, "
         "Gartenarbeit. Was davon macht ihr schon?", "s:inf t:act n:fact"),
        ("moderator", "Erinnerung an unsere Bewegungs-Challenge: noch 3 Tage! Wie viele Schritte "
         "habt ihr bisher? 💪", "t:act n:rem"),
        ("participant", "War heute {act} 🙂 bei dem Wetter herrlich", "t:act n:pex"),
        ("participant", "Ich komm einfach nicht in die Gänge mit der Bewegung. Nach der Arbeit bin ich "
         "so kaputt. Wie macht ihr das?", "s:inf t:act n:pex b:prob"),
        ("participant", "Hab mir vorgenommen ab nächster Woche 3x die Woche {act}. Jetzt isses "
         "offiziell 😅", "t:act b:goal"),
        ("moderator", "Setzt euch doch für diesen Monat ein Bewegungsziel, am besten SMART: "
         "konkret, messbar und realistisch. Wer mag teilt es hier!",
         "s:inf t:act b:goal"),
        ("participant", "Heute zum ersten mal seit Jahren wieder geschwommen, 20 Bahnen!! Bin "
         "ganz stolz 🏊", "t:act n:pex b:ach"),
        ("moderator", "Frage in die Runde: Welche Bewegung macht euch am meisten Spaß? "
         "Vielleicht findet jemand eine neue Idee 😊", "t:act"),
        ("participant", "Hier mein Ausblick vom Spaziergang heute morgen 🌄", "t:act n:img,pex @img"),
    ],
    "eat": [
        ("moderator", "Das Teller-Modell: die Hälfte Gemüse, ein Viertel Vollkorn, ein Viertel "
         "Eiweiß. Zeigt uns euren gesunden Teller von heute! 📸", "s:inf t:eat n:fact"),
        ("moderator", "Quiz: Wie viele Stück Würfelzucker stecken in einem Glas Apfelsaft (200 ml)? "
         "Tippt mal! Auflösung morgen 😉", "s:inf t:eat n:play"),
        ("participant", "Mein Frühstück heute: {food} 😋", "t:eat n:img,pex @img"),
        ("participant", "Hat jemand ein gutes Rezept für Brot ohne viel Kohlenhydrate? Das vom "
         "Supermarkt schmeckt mir nicht", "s:inf t:eat"),
        ("participant", "Ich hab jetzt auf Vollkornbrot umgestellt und trink Wasser statt Saft. "
         "Fällt mir leichter als gedacht", "t:eat n:pex b:chg"),
        ("participant", "Bei uns gabs heute {food}, war echt lecker und macht satt", "t:eat n:pex"),
        ("moderator", "Wusstet ihr, dass Haferflocken den Zucker langsamer ins Blut geben als "
         "Cornflakes? Hier ein kurzer Artikel dazu. Was esst ihr morgens?",
         "s:inf t:eat n:fact"),
        ("participant", "Abends hab ich immer so Heißhunger auf Süßes 🙈 Kennt ihr das? was hilft "
         "euch dagegen", "s:inf t:eat n:pex b:prob"),
        ("moderator", "Ergänzt den Satz: Gesund essen bedeutet für mich ...", "t:eat n:cocr"),
        ("participant", "Seit 4 Wochen kein Zucker mehr im Kaffee. Hätt ich nie gedacht dass ich "
         "das schaff!", "t:eat n:pex b:ach,chg"),
        ("participant", "Weihnachtsplätzchen überall 😩 ich werd schwach", "t:eat n:pex"),
    ],
    "mon": [
        ("moderator", "Erinnerung: Bitte denkt an die jährliche Fußkontrolle beim Arzt! Wann war "
         "eure letzte?", "t:mon n:rem"),
        ("participant", "Mein HbA1c ist von 8,1 auf {hba1c} runter 🎉🎉", "t:mon n:pex b:ach"),
        ("participant", "Mein Messgerät zeigt immer E-3 an wenn ich den Teststreifen reinsteck. "
         "Weiß jemand was das heißt?", "s:tec t:mon n:pex"),
        ("participant", "Heut morgen {val} nüchtern. Is des normal? Hab gestern Abend fast nix "
         "gegessen", "s:inf t:mon n:pex"),
        ("participant", "Hab seit 2 Wochen den Sensor am Arm. Genial, nie mehr stechen! Die App "
         "zeigt sogar Kurven", "s:tec t:mon n:pex"),
        ("moderator", "Wie oft messt ihr euren Blutzucker? Es gibt kein richtig oder falsch, "
         "uns interessiert einfach wie ihr das handhabt", "t:mon"),
        ("participant", "Hatte gestern meine erste Unterzuckerung, mir war total zittrig. Hab dann "
         "Traubenzucker genommen. Bin immer noch etwas geschockt", "s:emo t:mon n:pex"),
        ("moderator", "Zu hohe Werte über Jahre können Augen, Nieren und Nerven schädigen. Deshalb "
         "sind die Kontrollen so wichtig: Augenarzt einmal im Jahr, Füße regelmäßig anschauen.",
         "s:inf t:mon"),
        ("participant", "Wie stell ich bei meinem Blutdruckmessgerät Datum und Uhrzeit ein? Die "
         "Anleitung ist weg", "s:tec t:mon"),
        ("participant", "Augenarzt war heute, alles gut! 👀", "t:mon n:pex"),
    ],
    "medi": [
        ("participant", "Nehmt ihr eure Metformin vor oder nach dem Essen? Mir wird manchmal "
         "übel davon", "s:inf t:medi n:pex"),
        ("participant", "Ich vergess ständig meine Tabletten am Abend. Hat jemand nen Trick?",
         "s:inf t:medi n:pex b:prob"),
        ("moderator", "Diese Woche geht es um Medikamente. Wichtig: Änderungen an der Dosis "
         "bitte immer mit dem Arzt besprechen! Was sind eure Fragen zu dem Thema?",
         "s:inf t:medi"),
        ("participant", "Mein Arzt will dass ich jetzt spritze. Hab ehrlich gesagt Angst davor 😟",
         "s:emo t:medi n:pex"),
        ("participant", "Seit ich die Tabletten zum Essen nehme hab ich kaum noch Magenprobleme",
         "s:inf t:medi n:pex b:chg"),
    ],
    "cope": [
        ("moderator", "Wie geht es euch heute so? Schreibt gern ein Wort oder ein Emoji, das "
         "eure Stimmung beschreibt 🌈", "t:oth n:mood"),
        ("moderator", "Stress kann den Blutzucker erhöhen. Eine kleine Atemübung: 4 Sekunden "
         "einatmen, 4 halten, 6 ausatmen. Probiert es aus und erzählt, wie es war!",
         "s:inf t:cope n:fact"),
        ("participant", "Manchmal hab ich einfach keine Lust mehr auf das ganze Messen und "
         "Aufpassen. Geht das nur mir so?", "s:emo t:cope n:pex"),
        ("participant", "Schlaf ist bei mir grad ganz schlecht, und dann sind die Werte auch "
         "schlechter. Teufelskreis", "t:cope n:pex"),
        ("moderator", "Wie war eure Woche? Was hat euch gutgetan, was war schwer?",
         "t:cope n:mood"),
        ("participant", "Bin heut irgendwie total down 😔 die Werte spielen verrückt obwohl ich "
         "alles richtig mach", "s:emo t:cope n:pex"),
        ("moderator", "Vervollständigt den Satz: Wenn ich gestresst bin, hilft mir ...",
         "t:cope n:cocr"),
    ],
    "close": [
        ("moderator", "Ihr Lieben, heute ist unsere letzte Programmwoche 😢 Was nehmt ihr mit? "
         "Was war für euch das Wichtigste?", "t:close"),
        ("participant", "Danke an alle für die tolle Zeit hier! Ich hab so viel gelernt und "
         "mach auf jeden Fall weiter mit meinen Spaziergängen", "s:emo t:close n:pex b:goal"),
        ("moderator", "Zum Abschluss ein großes Dankeschön an euch alle! Ihr wart eine großartige "
         "Gruppe 💐", "s:emo t:close"),
    ],
    "oth": [
        ("participant", "Schönes Wochenende euch allen ☀️", "t:oth"),
        ("participant", "Grüße aus dem Urlaub an der Ostsee 🌊", "t:oth n:img,pex @img"),
        ("participant", "Ich seh die Bilder in der Gruppe nicht mehr, nur graue Kästchen. Geht "
         "das noch jemandem so?", "t:oth n:pex"),
        ("moderator", "Kleine Info: über Ostern bin ich nicht erreichbar, {mod2} vertritt mich. "
         "Frohe Feiertage!", "t:oth"),
        ("participant", "Was für ein Sauwetter heute 🌧️", "t:oth"),
        ("participant", "Guten Morgen zusammen ☕", "t:oth"),
    ],
}

# --- replies, by topic ----------------------------------------------------------------------
REPLIES = {
    "gtk": [
        ("Hallo, ich bin {name}, 63 Jahre, seit 10 Jahren Diabetes. Ich fahr gern Rad und "
         "koch gern", "t:gtk n:pex"),
        ("Hallo! {name} hier, Typ 2 seit letztem Jahr, Tabletten, sonst noch nix. Freu mich "
         "auf die Gruppe", "t:gtk n:pex"),
        ("Hallöchen 👋 bin die {name}, seit 2015 dabei sozusagen 😅", "t:gtk n:pex"),
        ("Willkommen {name}!! Schön dass du da bist", "s:emo t:gtk"),
        ("Herzlich willkommen! Die ersten Monate sind schwer, aber das wird, versprochen 🤗",
         "s:emo t:gtk n:pex"),
        ("Grüß Gott beinand, i bin da {name} und mog gern wandern", "t:gtk n:pex"),
        ("Mein Lieblingsort ist der Wald hinter unserem Haus 🌲", "t:gtk n:pex"),
        ("Hallo, ich les erstmal nur mit 🙂", "t:gtk"),
    ],
    "path": [
        ("Ja das stimmt, bei mir hat die Ärztin gesagt durch Abnehmen kann es in Remission gehen. "
         "Ganz weg ist es aber nie", "s:inf t:path n:pex"),
        ("b", "t:path n:play"),
        ("B! 😊", "t:path n:play"),
        ("Das morgens höher ist nennt man Dawn-Phänomen, die Leber gibt nachts Zucker ab. "
         "Ist ganz normal", "s:inf t:path"),
        ("Bei uns in der Familie haben es auch fast alle. Mein Vater, sein Bruder...",
         "t:path n:pex"),
        ("Danke für die Erklärung, jetzt versteh ich endlich was Insulinresistenz ist",
         "t:path"),
        ("Mir hat damals keiner was erklärt, nur Tabletten in die Hand gedrückt 😒",
         "t:path n:pex"),
    ],
    "act": [
        ("{steps} heute ✅", "t:act n:pex"),
        ("Bei mir waren es nur 4000, morgen wieder mehr!", "t:act n:pex b:goal"),
        ("Super gemacht!! Weiter so 💪", "s:emo t:act"),
        ("Toll, da kann ich mir ein Beispiel nehmen", "s:emo t:act"),
        ("Mir hilft es, direkt nach der Arbeit noch eine Runde um den Block zu gehen, bevor ich "
         "mich aufs Sofa setz. Sonst komm ich nicht mehr hoch 😄",
         "s:inf t:act n:pex b:prob"),
        ("Ich nehm jetzt immer die Treppe im Büro, 4. Stock! Am Anfang hab ich geschnauft wie "
         "ne Dampflok", "t:act n:pex b:chg"),
        ("Mein Ziel: jeden Tag nach dem Mittagessen 15 Minuten spazieren gehen, Mo bis Fr, "
         "mit meiner Kollegin", "t:act b:goal,plan"),
        ("Ich plane Dienstag und Donnerstag um 18 Uhr Aquagymnastik im Hallenbad, hab mich "
         "schon angemeldet", "t:act n:pex b:goal,plan"),
        ("Ich mach gern {act}, aber im Winter ist das schwierig. Dann geh ich halt ins "
         "Fitnessstudio", "t:act n:pex b:prob"),
        ("Wow 20 Bahnen! Respekt 👏👏", "s:emo t:act"),
        ("Geschafft! Die ganze Woche jeden Tag über 8000 🎉", "t:act n:pex b:ach"),
        ("Bei Regen mach ich einfach Gymnastik im Wohnzimmer mit nem Video aus dem Internet, "
         "klappt gut", "s:inf t:act n:pex b:prob"),
        ("Gartenarbeit zählt doch auch oder? 😅 dann war ich heut 3 Stunden aktiv",
         "t:act n:pex"),
        ("wandern mit dem Hund, jeden Tag 1 Std. Der Hund ist mein bester Trainer 🐕",
         "t:act n:pex"),
        ("Radfahren 🚴 am liebsten an der Isar entlang", "t:act n:pex"),
    ],
    "eat": [
        ("Ich tipp auf 6 Stück", "t:eat n:play"),
        ("7? 🤔", "t:eat n:play"),
        ("Sieht lecker aus! 😋", "s:emo t:eat"),
        ("Hier mein Teller: Brokkoli, Hähnchen und ein bisschen Vollkornreis", "t:eat n:img,pex @img"),
        ("Ich back mein Brot selbst mit Leinsamen und Quark, Rezept kann ich dir schicken! "
         "Hat nur ca. 5g Kohlenhydrate pro Scheibe", "s:inf t:eat n:pex"),
        ("Gegen Heißhunger hilft mir ein Apfel mit Erdnussbutter oder ne Handvoll Nüsse",
         "s:inf t:eat n:pex b:prob"),
        ("Gesund essen bedeutet für mich, dass es trotzdem schmeckt und ich mich nicht "
         "verbieg", "t:eat n:cocr,pex"),
        ("...bunt essen und nicht hungern 🥗", "t:eat n:cocr"),
        ("Ich ess morgens Haferflocken mit Beeren, hält bis mittags", "s:inf t:eat n:pex"),
        ("Oh ja das kenn ich 🙈 Bei mir ist es die Schokolade", "s:emo t:eat n:pex"),
        ("Wahnsinn, 4 Wochen ohne Zucker im Kaffee! Gut gemacht 👍", "s:emo t:eat"),
        ("Seit ich keinen Saft mehr trink sind meine Werte viel besser", "s:inf t:eat n:pex b:chg"),
        ("Ich hab mir vorgenommen nur noch am Wochenende Kuchen zu essen", "t:eat b:goal"),
        ("Die Auflösung: es sind 7 Stück! Überrascht? 😮", "s:inf t:eat n:play"),
    ],
    "mon": [
        ("Glückwunsch zu deinem HbA1c! 🥳 Das ist ja ein riesen Erfolg", "s:emo t:mon"),
        ("E-3 heißt meistens dass der Streifen beschädigt ist oder zu wenig Blut drauf ist. "
         "Probier nen neuen Streifen", "s:tec t:mon"),
        ("Schau mal in der Anleitung unter Fehlercodes, bei mir war das die Temperatur, Gerät "
         "war zu kalt", "s:tec t:mon n:pex"),
        ("{val} nüchtern ist schon etwas hoch. Sprich das mal beim nächsten Termin an",
         "s:inf t:mon"),
        ("Ich mess 2x am Tag, morgens und abends", "t:mon n:pex"),
        ("nur wenn ich mich komisch fühl ehrlich gesagt", "t:mon n:pex"),
        ("Bei mir war die Fußkontrolle im März, alles ok", "t:mon n:pex"),
        ("Oh je, Unterzucker ist echt unheimlich. Gut dass du Traubenzucker dabei hattest! "
         "Pass auf dich auf ❤️", "s:emo t:mon"),
        ("Beim Sensor musst du in der App unter Einstellungen den Alarm für niedrige Werte "
         "einschalten, das hilft", "s:tec t:mon"),
        ("Datum stellst du ein indem du die Set Taste 3 Sekunden gedrückt hältst", "s:tec t:mon"),
        ("Welchen Sensor hast du? Zahlt das die Kasse?", "s:tec t:mon"),
        ("Ich hab mir angewöhnt, die Werte jeden Abend ins Heft einzutragen, so seh ich Muster",
         "s:inf t:mon n:pex b:chg"),
    ],
    "medi": [
        ("Ich nehm sie immer mitten im Essen, seitdem ist die Übelkeit weg", "s:inf t:medi n:pex"),
        ("Frag mal deinen Arzt ob du auf die Retard-Tabletten wechseln kannst, die sind "
         "magenfreundlicher. Nimm am Anfang nur eine halbe", "s:med t:medi"),
        ("Ich hab mir einen Wecker im Handy gestellt, 20 Uhr, klappt super", "s:inf t:medi n:pex b:prob"),
        ("Tablettenbox mit Wochentagen! Die steht bei mir neben der Zahnbürste",
         "s:inf t:medi n:pex b:prob"),
        ("Du brauchst keine Angst haben, die Nadeln sind so dünn, man spürt fast nix. Ich "
         "spritz seit 2 Jahren", "s:emo,inf t:medi n:pex"),
        ("Nimm doch abends einfach 500 mg mehr, hat mein Schwager auch so gemacht", "s:med t:medi"),
        ("Bitte sowas immer mit dem Arzt absprechen, nicht einfach selbst die Dosis ändern!",
         "s:inf t:medi"),
        ("Ich versteh dich gut, mir ging es am Anfang genauso mit dem Spritzen 🤗",
         "s:emo t:medi n:pex"),
    ],
    "cope": [
        ("Gut 🙂", "t:oth"),
        ("Müde 😴", "t:oth"),
        ("Heute super, war schwimmen! 😊", "t:oth n:pex"),
        ("Naja geht so. Stress auf der Arbeit", "t:cope n:pex"),
        ("Nein, das geht bestimmt vielen so! Du bist nicht allein ❤️", "s:emo t:cope"),
        ("Das kenn ich so gut. Manchmal mach ich dann einen Tag Pause vom Tagebuch und danach "
         "gehts wieder", "s:emo,inf t:cope n:pex b:prob"),
        ("Atemübung gemacht, bin tatsächlich ruhiger geworden", "t:cope n:pex"),
        ("Wenn ich gestresst bin, hilft mir ... mit dem Hund raus gehen 🐕", "t:cope n:cocr,pex"),
        ("...Musik hören und Tee trinken", "t:cope n:cocr"),
        ("Kopf hoch! Solche Tage gibts, morgen siehts bestimmt besser aus 💪", "s:emo t:cope"),
        ("Schick dir eine feste Umarmung 🤗", "s:emo t:cope"),
        ("Mir hilft abends Lesen statt Handy, seitdem schlaf ich besser", "s:inf t:cope n:pex b:chg"),
        ("Woche war anstrengend, Enkel krank, aber ich hab meine Spaziergänge trotzdem gemacht",
         "t:cope n:pex"),
    ],
    "close": [
        ("Danke euch allen, war schön mit euch ❤️", "t:close"),
        ("Ich nehm mit dass ich nicht allein bin mit der Krankheit. Das war für mich das "
         "Wichtigste", "t:close n:pex"),
        ("Vielen Dank an die Moderatorinnen, ihr habt das toll gemacht!", "s:emo t:close"),
        ("Schade dass es vorbei ist. Mein Plan: weiter jeden Tag 30 Minuten laufen, morgens "
         "vor dem Frühstück", "t:close b:goal,plan"),
        ("Alles Gute euch allen und bleibt dran 💪", "s:emo t:close"),
    ],
    "oth": [
        ("Danke, dir auch!", "t:oth"),
        ("👍", "t:oth"),
        ("Ja bei mir auch, hab die App neu installiert, jetzt gehts wieder", "t:oth n:pex"),
        ("Schöne Bilder! Gute Erholung 😎", "s:emo t:oth"),
        ("Frohe Ostern 🐣", "t:oth"),
        ("Morgen ☕🙂", "t:oth"),
    ],
}

# generic short replies that fit under any thread (the topic of a short generic reply is
# coded "other": it is about nothing of the programme by itself)
GENERIC = [
    ("Danke!", "t:oth"),
    ("danke für die info 👍", "t:oth"),
    ("👍👍", "t:oth"),
    ("Stimmt", "t:oth"),
    ("Geht mir genauso", "s:emo t:oth n:pex"),
    ("Genau so!", "t:oth"),
    ("Toll 😊", "s:emo t:oth"),
    ("Weiter so!!", "s:emo t:oth"),
    ("Super gemacht 👏", "s:emo t:oth"),
    ("Ohje 😕", "s:emo t:oth"),
    ("Da bin ich dabei!", "t:oth"),
    ("Guter Tipp, probier ich aus", "t:oth"),
    ("Interessant, wusst ich nicht", "t:oth"),
    ("Ja", "t:oth"),
    ("Haha 😂", "t:oth"),
    ("Des is a guade Idee", "t:oth"),
    ("Hab ich auch schon gehört", "t:oth"),
    ("Ich schick später noch ein Foto", "t:oth"),
]

FILL = {
    "name": ["Gabi", "Jürgen", "Renate", "Klaus", "Monika", "Hans", "Petra", "Uwe", "Sabine",
             "Wolfgang", "Heidi", "Detlef", "Birgit", "Ali", "Svetlana"],
    "mod": ["Anna", "Lena", "Julia"],
    "mod2": ["Sarah", "Tom"],
    "act": ["Nordic Walking", "Radfahren", "schwimmen", "spazieren", "Gymnastik", "Tanzen",
            "walken", "wandern"],
    "food": ["Vollkornbrot mit Frischkäse und Gurke", "Haferflocken mit Beeren",
             "Rührei mit Spinat", "Naturjoghurt mit Nüssen", "Gemüsepfanne mit Tofu",
             "Linsensuppe", "Salat mit Feta", "Quark mit Apfel"],
    "steps": ["6000", "7000", "8000", "10.000", "5000"],
    "val": ["142", "158", "171", "131", "189"],
    "hba1c": ["7,2", "6,8", "6,9", "7,0"],
}
