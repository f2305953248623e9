# ruff: noqa: E501
"""English posts of the evaluation corpus, each coded by hand (format: see bank_de.py)."""

ROOTS = {
    "gtk": [
        ("moderator", "Welcome everyone to our group! 👋 I'm {mod}, one of your moderators. "
         "Please introduce yourselves: your name, how long you've had diabetes, and one thing "
         "you enjoy.", "t:gtk n:cocr"),
        ("moderator", "A few group rules before we start: be kind, no advertising, and what is "
         "shared here stays here. Thanks!", "t:gtk"),
        ("participant", "Hi all, I'm {name}, 61, diagnosed 5 years ago. Retired teacher, love my "
         "garden and my grandkids", "t:gtk n:pex"),
        ("participant", "hey everyone, new here. diagnosed in january and still figuring it all "
         "out tbh", "t:gtk n:pex"),
        ("moderator", "Over the next weeks we'll cover activity, food, monitoring, medication and "
         "stress. Every Monday a new topic, and small tasks along the way 🙂",
         "s:inf t:gtk"),
        ("moderator", "Getting-to-know-you question: what's your favourite place to relax? Mine "
         "is the beach near my parents' house 🏖️", "t:gtk n:pex"),
        ("moderator", "If you haven't introduced yourself yet, it's never too late! We'd love to "
         "hear from you", "t:gtk n:rem"),
    ],
    "path": [
        ("moderator", "Did you know? In type 2 diabetes the body's cells respond less to insulin "
         "(insulin resistance), so the pancreas has to work harder. What were you told about "
         "this when you were diagnosed?", "s:inf t:path n:fact"),
        ("participant", "Quick question - can type 2 actually be reversed if you lose enough "
         "weight? I keep reading different things", "s:inf t:path"),
        ("moderator", "Quiz time 🧠 Which organ produces insulin? a) liver b) pancreas c) kidneys",
         "s:inf t:path n:play"),
        ("moderator", "Treatment of type 2 rests on several pillars: activity, food, education "
         "and, where needed, medication. They work together - none of them is the 'main' one. "
         "Page 12 of the handbook has the details.", "s:inf t:path"),
        ("participant", "why are my numbers always higher in the morning when I haven't eaten "
         "anything all night?? makes no sense", "s:inf t:path"),
        ("moderator", "This week: what actually happens in the body with diabetes? Here's a "
         "graphic from the handbook 👇", "s:inf t:path n:img @img"),
    ],
    "act": [
        ("moderator", "New challenge 🚶: who can manage {steps} steps every day this week? Post "
         "your daily count here each evening!", "t:act n:play b:goal"),
        ("moderator", "Reminder: our walking challenge ends on Sunday! How are your step counts "
         "looking? 💪", "t:act n:rem"),
        ("participant", "Went {act} this morning, felt amazing 🙂", "t:act n:pex"),
        ("participant", "I just can't get moving after work, I'm so tired. How do you all "
         "manage it?", "s:inf t:act n:pex b:prob"),
        ("moderator", "Set yourself an activity goal for this month - make it SMART: specific, "
         "measurable, realistic. Share it if you like!", "s:inf t:act b:goal"),
        ("participant", "Did my first 5k walk without stopping!!! couldn't have imagined that "
         "in spring 😭🎉", "t:act n:pex b:ach"),
        ("moderator", "Activity doesn't have to mean sport: stairs instead of the lift, walking "
         "to the shop, gardening. Which of these do you already do?", "s:inf t:act n:fact"),
        ("participant", "View from my walk today 🌅", "t:act n:img,pex @img"),
    ],
    "eat": [
        ("moderator", "The plate model: half vegetables, a quarter whole grains, a quarter "
         "protein. Show us your healthy plate today! 📸", "s:inf t:eat n:fact"),
        ("moderator", "Quiz: how many sugar cubes are in a 330 ml can of cola? Guess away! "
         "Answer tomorrow 😉", "s:inf t:eat n:play"),
        ("participant", "Breakfast today: {food} 😋", "t:eat n:img,pex @img"),
        ("participant", "Anyone got a good low carb bread recipe? The shop ones taste like "
         "cardboard", "s:inf t:eat"),
        ("participant", "I've switched to brown rice and water instead of fizzy drinks. Easier "
         "than I thought tbh", "t:eat n:pex b:chg"),
        ("participant", "Evenings are the worst, I always crave something sweet 🙈 anyone else? "
         "what helps you?", "s:inf t:eat n:pex b:prob"),
        ("moderator", "Finish the sentence: Eating well for me means ...", "t:eat n:cocr"),
        ("moderator", "Did you know oats release their sugar more slowly than cornflakes? "
         "Here's a short article. What do you usually have for breakfast?",
         "s:inf t:eat n:fact"),
        ("participant", "Christmas biscuits everywhere at work 😩 send help", "t:eat n:pex"),
    ],
    "mon": [
        ("moderator", "Reminder: please book your yearly foot check if you haven't yet! When "
         "was your last one?", "t:mon n:rem"),
        ("participant", "HbA1c down from 64 to {hba1c_en} 🎉🎉🎉", "t:mon n:pex b:ach"),
        ("participant", "My meter keeps showing E-3 when I put the strip in. Anyone know what "
         "that means?", "s:tec t:mon n:pex"),
        ("participant", "{val_en} fasting this morning, is that normal? barely ate anything "
         "last night", "s:inf t:mon n:pex"),
        ("participant", "Got my sensor two weeks ago, no more finger pricks! the app even shows "
         "graphs", "s:tec t:mon n:pex"),
        ("participant", "had my first hypo yesterday, all shaky and sweaty. had some glucose "
         "tabs. still a bit shaken tbh", "s:emo t:mon n:pex"),
        ("moderator", "How often do you check your blood sugar? No right or wrong, we're just "
         "curious how you handle it", "t:mon"),
        ("participant", "How do I set the date on my blood pressure monitor? lost the manual",
         "s:tec t:mon"),
    ],
    "medi": [
        ("participant", "Do you take your metformin before or after food? It makes me feel a "
         "bit sick sometimes", "s:inf t:medi n:pex"),
        ("participant", "I keep forgetting my evening tablets. Any tricks?",
         "s:inf t:medi n:pex b:prob"),
        ("participant", "Doctor wants me to start injections. Honestly I'm scared 😟",
         "s:emo t:medi n:pex"),
        ("moderator", "This week is about medication. Important: please always discuss dose "
         "changes with your doctor! What questions do you have?", "s:inf t:medi"),
    ],
    "cope": [
        ("moderator", "How is everyone feeling today? One word or an emoji is enough 🌈",
         "t:oth n:mood"),
        ("moderator", "How was your week? What did you enjoy, and what was hard?",
         "t:cope n:mood"),
        ("participant", "Some days I'm just so fed up with all the checking and counting. Is it "
         "just me?", "s:emo t:cope n:pex"),
        ("moderator", "Stress can raise your blood sugar. Try this: breathe in for 4, hold for "
         "4, out for 6. Let us know how it went!", "s:inf t:cope n:fact"),
        ("participant", "feeling really low today 😔 numbers all over the place even though "
         "I'm doing everything right", "s:emo t:cope n:pex"),
        ("moderator", "Complete the sentence: When I'm stressed, what helps me is ...",
         "t:cope n:cocr"),
    ],
    "close": [
        ("moderator", "This is our last week together 😢 What will you take with you from the "
         "programme?", "t:close"),
        ("participant", "Thank you all so much for these weeks! I've learned loads and I'm "
         "keeping up my walks for sure", "s:emo t:close n:pex b:goal"),
    ],
    "oth": [
        ("participant", "Have a lovely weekend everyone ☀️", "t:oth"),
        ("participant", "Greetings from Cornwall! 🌊", "t:oth n:img,pex @img"),
        ("participant", "I can't see any pictures in the group anymore, just grey boxes. anyone "
         "else?", "t:oth n:pex"),
        ("participant", "Morning all ☕", "t:oth"),
        ("moderator", "Heads up: I'm away over Easter, {mod2} will cover for me. Happy "
         "holidays!", "t:oth"),
    ],
}

REPLIES = {
    "gtk": [
        ("Hi I'm {name}, 54, type 2 for about 8 years. Love cycling and baking (oops 😅)",
         "t:gtk n:pex"),
        ("Welcome {name}! Glad you're here", "s:emo t:gtk"),
        ("Welcome! The first months are the hardest, it does get easier, promise 🤗",
         "s:emo t:gtk n:pex"),
        ("Hello from Leeds 👋 {name} here, diagnosed last year", "t:gtk n:pex"),
        ("Mine's the allotment, nothing beats it", "t:gtk n:pex"),
        ("hi, just lurking for now 🙂", "t:gtk"),
    ],
    "path": [
        ("My GP said losing weight can put it into remission, but it's never fully gone",
         "s:inf t:path n:pex"),
        ("b", "t:path n:play"),
        ("B 😊", "t:path n:play"),
        ("That's called the dawn phenomenon - your liver releases glucose early in the "
         "morning. Totally normal", "s:inf t:path"),
        ("Thanks, I finally understand what insulin resistance means", "t:path"),
        ("Nobody explained anything to me when I was diagnosed, just handed me tablets 😒",
         "t:path n:pex"),
    ],
    "act": [
        ("{steps} today ✅", "t:act n:pex"),
        ("Only 3500 for me today, more tomorrow!", "t:act n:pex b:goal"),
        ("Well done!! Keep going 💪", "s:emo t:act"),
        ("What helps me is going round the block straight after work before I sit down. Once "
         "I'm on the sofa it's over 😄", "s:inf t:act n:pex b:prob"),
        ("I take the stairs at work now, 4th floor! Puffing like a train at first",
         "t:act n:pex b:chg"),
        ("My goal: a 15 minute walk after lunch every weekday, with my colleague",
         "t:act b:goal,plan"),
        ("Amazing, you should be proud 👏", "s:emo t:act"),
        ("On rainy days I do a chair workout video on youtube, works fine",
         "s:inf t:act n:pex b:prob"),
        ("Made it! Over 8000 every single day this week 🎉", "t:act n:pex b:ach"),
        ("walking the dog counts right? 😂 then I'm at 2 hrs", "t:act n:pex"),
    ],
    "eat": [
        ("I'd guess 8?", "t:eat n:play"),
        ("10!? 🤔", "t:eat n:play"),
        ("Looks delicious! 😋", "s:emo t:eat"),
        ("Here's mine: salmon, broccoli and a bit of brown rice", "t:eat n:img,pex @img"),
        ("I make my own with linseed and quark, happy to share the recipe! only about 5g "
         "carbs a slice", "s:inf t:eat n:pex"),
        ("For cravings I have an apple with peanut butter or a few nuts",
         "s:inf t:eat n:pex b:prob"),
        ("...that it still tastes good and I don't feel deprived", "t:eat n:cocr"),
        ("Eating well for me means colourful plates and no skipping meals 🥗",
         "t:eat n:cocr,pex"),
        ("Oh I know that feeling 🙈 chocolate is my weakness", "s:emo t:eat n:pex"),
        ("The answer: 9 cubes! Surprised? 😮", "s:inf t:eat n:play"),
        ("Since I stopped drinking juice my numbers are much better", "s:inf t:eat n:pex b:chg"),
    ],
    "mon": [
        ("Congratulations on your HbA1c!! 🥳 Huge achievement", "s:emo t:mon"),
        ("E-3 usually means the strip is damaged or there isn't enough blood on it. Try a "
         "new strip", "s:tec t:mon"),
        ("{val_en} fasting is a bit high, maybe mention it at your next appointment",
         "s:inf t:mon"),
        ("I check twice a day, morning and evening", "t:mon n:pex"),
        ("only when I feel off to be honest", "t:mon n:pex"),
        ("Oh no, hypos are scary. Good that you had glucose tabs with you! Take care ❤️",
         "s:emo t:mon"),
        ("In the app go to settings and turn on the low alarm, it really helps",
         "s:tec t:mon"),
        ("Hold the set button for 3 seconds and it lets you change the date", "s:tec t:mon"),
        ("I write my readings in a notebook every evening now, helps me see patterns",
         "s:inf t:mon n:pex b:chg"),
    ],
    "medi": [
        ("I take mine in the middle of a meal, the sickness went away after that",
         "s:inf t:medi n:pex"),
        ("Ask your doctor about switching to the slow-release ones, and start with half a "
         "tablet", "s:med t:medi"),
        ("I set an alarm on my phone for 8pm, works a treat", "s:inf t:medi n:pex b:prob"),
        ("Don't be scared, the needles are tiny, you barely feel it. I've injected for 2 years",
         "s:emo,inf t:medi n:pex"),
        ("Just take an extra 500 at night, that's what my brother in law does",
         "s:med t:medi"),
        ("Please always check that with your doctor, don't change the dose yourself!",
         "s:inf t:medi"),
    ],
    "cope": [
        ("Good 🙂", "t:oth"),
        ("Tired 😴", "t:oth"),
        ("meh. stressful week at work", "t:cope n:pex"),
        ("It's definitely not just you! You're not alone ❤️", "s:emo t:cope"),
        ("I know that feeling. Sometimes I take a day off from logging and then I'm back on "
         "track", "s:emo,inf t:cope n:pex b:prob"),
        ("Chin up! Bad days happen, tomorrow will be better 💪", "s:emo t:cope"),
        ("When I'm stressed what helps me is a walk with the dog 🐕", "t:cope n:cocr,pex"),
        ("Did the breathing, actually felt calmer", "t:cope n:pex"),
        ("Sending a big hug 🤗", "s:emo t:cope"),
        ("Reading instead of my phone at night, sleeping loads better since",
         "s:inf t:cope n:pex b:chg"),
    ],
    "close": [
        ("Thank you all, it was lovely ❤️", "t:close"),
        ("What I take away: I'm not alone with this. That meant the most to me",
         "t:close n:pex"),
        ("Big thanks to the moderators, you did a great job!", "s:emo t:close"),
        ("Sad it's over. My plan: 30 min walk every morning before breakfast",
         "t:close b:goal,plan"),
    ],
    "oth": [
        ("Thanks, you too!", "t:oth"),
        ("👍", "t:oth"),
        ("Same here, reinstalled the app and now it works again", "t:oth n:pex"),
        ("Gorgeous! Enjoy 😎", "s:emo t:oth"),
        ("Happy Easter 🐣", "t:oth"),
    ],
}

GENERIC = [
    ("Thanks!", "t:oth"),
    ("thanks for the info 👍", "t:oth"),
    ("👍👍", "t:oth"),
    ("True", "t:oth"),
    ("Same here", "s:emo t:oth n:pex"),
    ("Lovely 😊", "s:emo t:oth"),
    ("Keep it up!!", "s:emo t:oth"),
    ("Well done 👏", "s:emo t:oth"),
    ("oh no 😕", "s:emo t:oth"),
    ("I'm in!", "t:oth"),
    ("Good tip, will try", "t:oth"),
    ("Interesting, didn't know that", "t:oth"),
    ("lol 😂", "t:oth"),
    ("yes", "t:oth"),
    ("I'll send a photo later", "t:oth"),
]

FILL = {
    "name": ["Sue", "Dave", "Margaret", "Raj", "Linda", "Steve", "Pat", "Karen", "Tony",
             "Brenda", "Mo", "Janet"],
    "mod": ["Emma", "Chloe"],
    "mod2": ["Ben", "Priya"],
    "act": ["walking", "cycling", "swimming", "for a walk", "to aqua aerobics", "dancing"],
    "food": ["porridge with berries", "scrambled eggs and spinach", "greek yoghurt with nuts",
             "wholemeal toast with avocado", "veggie omelette"],
    "steps": ["6000", "7000", "8000", "10,000"],
    "val_en": ["8.4", "9.1", "7.9", "10.2"],
    "hba1c_en": ["53", "48", "51"],
}
