"""English texts of the synthetic DiabPeerS posts, written from templates per kind of post.

Each kind (``chatcode.reproduce.datasets.design.KINDS``)
has several templates whose content fits its
codes (an informational post gives information, a mood question asks how people feel, a
medical post recommends a specific medication, ...); topic words fill them in, so a text
also fits its topic. All texts are invented for this sample; none is from the study.
"""

from __future__ import annotations

import numpy as np

__all__ = ["text_for"]

# facts, things to do, and a word per programme topic
TOPIC: dict[str, dict[str, list[str]]] = {
    "getting_to_know": {
        "fact": ["the group meets here for seven months, one topic after another",
                 "everyone here lives with type 2 diabetes, so no question is silly",
                 "the moderators post a new topic every few weeks"],
        "thing": ["introduce yourself in two sentences", "tell us one hobby you enjoy",
                  "share what you hope to get out of the group"],
        "word": ["the group", "our programme", "getting to know each other"],
    },
    "pathophysiology": {
        "fact": ["in type 2 diabetes the cells respond less to insulin",
                 "the pancreas can make less insulin after years of high blood sugar",
                 "HbA1c shows the average blood sugar of the last three months",
                 "high blood sugar over years can damage the small vessels of eyes and feet"],
        "thing": ["ask your doctor for your last HbA1c value", "read the leaflet on insulin "
                  "resistance", "write down one question for your next check-up"],
        "word": ["insulin resistance", "HbA1c", "the pancreas", "blood sugar"],
    },
    "physical_activity": {
        "fact": ["a 15-minute walk after a meal lowers the blood sugar peak",
                 "muscles take up sugar during exercise even without much insulin",
                 "150 minutes of moderate activity a week is the usual advice",
                 "climbing stairs counts as exercise too"],
        "thing": ["walk 20 minutes after dinner", "take the stairs instead of the lift",
                  "try 8,000 steps a day this week", "go cycling at the weekend"],
        "word": ["walking", "steps", "cycling", "swimming", "exercise"],
    },
    "healthy_eating": {
        "fact": ["oats and lentils release their sugar slowly",
                 "half a plate of vegetables keeps the blood sugar steadier",
                 "fruit juice raises the blood sugar almost like a soft drink",
                 "whole-grain bread has more fibre than white bread",
                 "eating slowly helps you notice when you are full"],
        "thing": ["swap white bread for whole-grain bread", "fill half your plate with "
                  "vegetables", "drink water instead of juice", "plan three meals for the week"],
        "word": ["breakfast", "vegetables", "whole-grain bread", "lentils", "snacks"],
    },
    "self_monitoring": {
        "fact": ["measuring before and two hours after a meal shows what a meal does to you",
                 "a diary of values, meals and activity helps at the doctor's",
                 "fasting values between 80 and 130 mg/dl are a common target"],
        "thing": ["measure before and after breakfast for three days", "keep a diary of your "
                  "values this week", "note your fasting value each morning"],
        "word": ["measuring", "the diary", "fasting values", "blood sugar values"],
    },
    "medication": {
        "fact": ["metformin is usually taken with or after a meal",
                 "a medication plan lists every tablet with its time and dose",
                 "some tablets can cause low blood sugar when a meal is skipped"],
        "thing": ["bring your medication plan to the next appointment", "ask the pharmacist "
                  "about side effects", "use a pill box for the week"],
        "word": ["tablets", "the medication plan", "metformin", "side effects"],
    },
    "healthy_coping": {
        "fact": ["stress hormones raise the blood sugar",
                 "a few minutes of slow breathing can lower stress",
                 "talking about worries with others helps many people cope"],
        "thing": ["take five minutes for slow breathing", "write down one good moment of the "
                  "day", "call a friend when things feel heavy"],
        "word": ["stress", "sleep", "worries", "relaxing"],
    },
    "closing": {
        "fact": ["the group stays open for two more weeks",
                 "the questionnaire at the end helps to improve the programme"],
        "thing": ["tell us what you will keep doing", "fill in the final questionnaire",
                  "share your favourite tip from the programme"],
        "word": ["the last weeks", "our programme", "the group"],
    },
}
TOPIC["other"] = {"fact": TOPIC["getting_to_know"]["fact"],
                  "thing": ["enjoy the weekend", "have a good week"],
                  "word": ["the weekend", "the weather", "the holidays"]}

PICTURES = ["a plate with vegetables, lentils and a small piece of fish",
            "a whole-grain breakfast with oats and berries", "the walking path along the river",
            "a glucose meter next to a diary", "a pill box for the week",
            "a simple salad with feta", "our group's step count chart"]
DEVICES = ["glucose meter", "blood pressure monitor", "sensor app"]
FEELINGS = ["fine", "a bit tired", "good", "motivated", "stressed", "quite well"]

TEMPLATES: dict[str, list[str]] = {
    "m_fact": ["Did you know? {Fact}.", "Fact of the day: {fact}.",
               "Interesting: {fact}. Surprised?"],
    "m_info": ["Some information on {word}: {fact}.", "This week's topic is {word}. In short: "
               "{fact}.", "A tip on {word}: {fact}, so {thing}."],
    "m_quiz": ["Quiz time! True or false: {fact}? Answer below, the solution follows tonight.",
               "Little quiz on {word}: what do you think, is it true that {fact}?",
               "Guess what: {fact}. Who knew that already? Points for everyone who did!"],
    "m_game": ["Weekly challenge: who can {thing} most often? Let's make it a game!",
               "Fun game for today: describe {word} in three emojis!"],
    "m_reminder": ["Reminder: your goal for this week was to {thing}. How is it going?",
                   "Just a reminder of the goals you set: {thing}. Keep it up!",
                   "Friendly reminder: check in on your weekly goal today."],
    "m_mood": ["How are you feeling today?", "Good morning! How are you all doing today?",
               "How do you feel about {word} this week?", "What is your mood today? "
               "Share it in one word."],
    "m_mood_care": ["How are you feeling today? Remember, we are here for you, whatever the "
                    "day brings.", "How are you doing this week? It's okay to have a hard "
                    "day, you are not alone."],
    "m_image": ["Here is a picture of {picture}: {fact}.", "Photo of the day: {picture}. "
                "Information for you: {fact}."],
    "m_cocreate": ["What would you like to talk about next week? Send us your ideas on {word}.",
                   "Let's collect ideas together: what helps you with {word}?",
                   "Help us plan the next weeks: which questions about {word} do you have?"],
    "m_goal": ["New week, new goal! Set yourself a goal: for example {thing}. Write down "
               "when and where you will do it.", "Please set a goal for this week and plan "
               "the day and time, e.g. {thing} on Monday and Thursday."],
    "m_encourage": ["You are all doing great, keep going!", "I'm proud of this group, every "
                    "small step counts. Keep it up!", "Don't give up, a difficult week is "
                    "part of the journey. We believe in you!"],
    "m_problem": ["Problem of the week: what can you do when {word} gets difficult? One "
                  "solution: {thing}.", "When something gets in the way, make a plan B: "
                  "{fact}, so {thing}."],
    "m_org": ["Welcome to the group! Please read the group rules: be kind, keep personal data "
              "private.", "Organisation: a new topic starts every few weeks, and the "
              "moderators are here on weekdays."],
    "m_praise": ["Well done, that is a great achievement!", "Great job, keep going!",
                 "Fantastic, I'm really proud of you!"],
    "m_answer": ["Good question! {Fact}.", "The short answer: {fact}. I hope that helps.",
                 "About {word}: {fact}."],
    "m_answer_care": ["I understand that this is frustrating. {Fact}, so don't be too hard "
                      "on yourself.", "That sounds difficult, you're not alone with it. A "
                      "tip: {thing}."],
    "m_tech": ["For your {device}: clean the contacts, insert a new strip and measure again; "
               "if the error stays, call the number on the back.", "In the {device} you "
               "can export your readings under Settings > Reports."],
    "p_experience": ["Yesterday I went {word_lower} for the first time in months.",
                     "My experience with {word}: it took me a while to get used to it.",
                     "Last week I tried to {thing} and noticed a difference."],
    "p_tip": ["From my own experience: {fact}. It works for me.", "What helped me was to "
              "{thing}.", "I found that {fact}, at least for me."],
    "p_tip_care": ["I had the same problem. What helped me was to {thing}. You can do it!",
                   "I know how you feel. For me it helped to {thing}, hang in there!"],
    "p_question": ["Does anyone know whether {fact}?", "Question about {word}: what do "
                   "you do when it doesn't work?", "Can someone explain {word} to me?"],
    "p_goal": ["My goal this week: {thing}.", "I will {thing}, that's my goal.",
               "Goal for me: {thing} at least three times."],
    "p_plan": ["Plan: Monday and Thursday after lunch I will {thing}.",
               "I'll {thing} every morning at 8, right after breakfast."],
    "p_achieve": ["I did it! I managed to {thing} all week.", "Goal reached: I managed to "
                  "{thing} five times!"],
    "p_change": ["I now {thing} every day, it has become a habit.", "Since the start of the "
                 "group I changed my routine: I {thing} regularly."],
    "p_empathy": ["I feel the same, you are not alone.", "I know exactly how you feel. Hugs!",
                  "Same here, hang in there!"],
    "p_seek": ["My values were high again despite everything, I feel frustrated.",
               "Some days I just feel down about the diabetes. Does anyone else feel that?"],
    "p_mood_answer": ["I feel {feeling} today.", "{Feeling}, thanks for asking!",
                      "Today: {feeling}."],
    "p_image": ["Here is a picture of my lunch: {picture}.", "Photo from today: {picture}."],
    "p_joke": ["My glucose meter and I are now on first-name terms :)",
               "If steps were calories I'd be a marathon runner :D"],
    "p_tech": ["My {device} shows an error after I insert the strip. Does anyone know what "
               "that means?", "How do I get the readings out of my {device}?"],
    "p_medical": ["Ask your doctor to switch you to metformin extended release, and take it "
                  "with dinner.", "You should take half a tablet of your metformin in the "
                  "first week, then the full dose.", "Take your metformin right after the "
                  "meal, not before, and ask about the 1000 mg dose."],
    "p_chat": ["Good morning everyone!", "Have a nice weekend!", "Thanks!", "Hello all :)",
               "Enjoy the sunshine today."],
}


# kinds that usually reply, when a post of theirs found no parent and starts a thread
ROOT_TEMPLATES: dict[str, list[str]] = {
    "m_praise": ["Well done to everyone who reached their goal this week, great job!",
                 "Fantastic progress in this group, keep going!"],
    "m_answer": ["A question that came up this week: {fact}.", "Several of you asked about "
                 "{word}: {fact}."],
    "m_answer_care": ["Many of you find {word} hard at the moment, and that is okay. A tip: "
                      "{thing}.", "If {word} frustrates you, you're not alone. {Fact}."],
    "m_tech": ["Tip for your {device}: clean the contacts and use a new strip if it shows "
               "an error."],
    "p_empathy": ["To everyone who had a hard week: you are not alone, hang in there!"],
    "p_mood_answer": ["I feel {feeling} today.", "Today I feel {feeling}."],
    "p_medical": ["Tip for everyone on metformin: take it right after the meal, and ask your "
                  "doctor about the extended-release tablets."],
    "p_tip_care": ["For everyone struggling with {word}: what helped me was to {thing}. You "
                   "can do it!"],
}


def text_for(kind: str, topic: str, rng: np.random.Generator, *, root: bool = False) -> str:
    """A text for a post of ``kind`` on ``topic`` (deterministic given ``rng``'s state);
    ``root``: the post starts a thread (kinds that usually reply have root variants)."""
    templates = ROOT_TEMPLATES.get(kind, TEMPLATES[kind]) if root else TEMPLATES[kind]
    template = templates[int(rng.integers(len(templates)))]
    words = TOPIC[topic]

    def pick(values: list[str]) -> str:
        return values[int(rng.integers(len(values)))]

    fill = {"fact": pick(words["fact"]), "thing": pick(words["thing"]),
            "word": pick(words["word"]), "picture": pick(PICTURES), "device": pick(DEVICES),
            "feeling": pick(FEELINGS)}
    fill["word_lower"] = fill["word"].lower()
    for key in ("fact", "feeling"):
        fill[key.capitalize()] = fill[key][:1].upper() + fill[key][1:]
    return template.format(**fill)
