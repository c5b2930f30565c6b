package dev.dualproc.model.text;

import java.util.List;

/** The lowercase English words the tiny tokenizers know whole, most frequent first: prompt words and the built-in world's. */
final class TinyVocabulary {
  private TinyVocabulary() {}

  static final List<String> WORDS = java.util.Arrays.asList((
      "a the of and in on with to is at by an as it its from for that this are be or into over under near far "
      + "photo picture image painting drawing sketch illustration render scene view style line lines stroke thin thick "
      + "bold light dark bright pale soft sharp simple detailed colorful colourful monochrome black white red green blue "
      + "yellow orange purple pink brown gray grey cyan magenta gold silver teal navy beige palette color colors colour "
      + "sky ground horizon land landscape field grass meadow hill hills mountain mountains valley river lake sea ocean "
      + "beach sand desert forest tree trees bush flower flowers rock rocks stone cloud clouds sun moon star stars rain "
      + "snow fog mist night day morning evening sunset sunrise road path fence house houses building city town village "
      + "tower bridge wall door window roof car cars boat ship train plane bird birds dog dogs cat cats horse cow sheep "
      + "fish person people man woman child children face hand object objects ball cube box sphere circle square "
      + "triangle shape shapes small large big tiny huge tall short long wide round flat left right top bottom middle "
      + "center front back behind above below between next one two three four five many few some several each every "
      + "first second third high low deep depth closer farther distant foreground background edge corner side "
      + "standing sitting walking running flying floating lying growing shining falling old new young "
      + "beautiful quiet calm empty full open closed warm cold wooden metal glass paper plastic water fire ice air "
      + "there here what which where how yes no not very more most less than then when while who whose do does "
      + "answer question make made look looks like show shows shown seen see drawn painted").split(" ")).stream().distinct().toList();
}
