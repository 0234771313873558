package dev.tempura.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link ProgressStore} must do; a subclass supplies a fresh, empty store per test and
 * closes it after.
 */
@Timeout(60)
public abstract class ProgressStoreContract {
  protected ProgressStore store;

  /** A store that holds no records and shares none with the stores of other tests. */
  protected abstract ProgressStore openStore();

  /** Closes what {@link #openStore} opened. */
  protected abstract void closeStore();

  @BeforeEach
  void openTheStore() {
    store = openStore();
  }

  @AfterEach
  void closeTheStore() {
    closeStore();
  }

  private static <T> T answer(CompletableFuture<T> f) throws Exception {
    return f.get(10, SECONDS);
  }

  @Test
  void aMissingRecordIsNull() throws Exception {
    assertThat(answer(store.get("nothing"))).isNull();
  }

  @Test
  void createsOnlyWhenAbsent() throws Exception {
    assertThat(answer(store.compareAndSet("job", null, "{\"a\":1}"))).isTrue();
    assertThat(answer(store.compareAndSet("job", null, "{\"a\":2}"))).isFalse();
    assertThat(answer(store.get("job"))).isEqualTo("{\"a\":1}");
  }

  @Test
  void replacesOnlyWhatItExpects() throws Exception {
    answer(store.compareAndSet("job", null, "one"));
    assertThat(answer(store.compareAndSet("job", "other", "two"))).isFalse();
    assertThat(answer(store.get("job"))).isEqualTo("one");
    assertThat(answer(store.compareAndSet("job", "one", "two"))).isTrue();
    assertThat(answer(store.get("job"))).isEqualTo("two");
  }

  @Test
  void removesWithANullNext() throws Exception {
    answer(store.compareAndSet("job", null, "one"));
    assertThat(answer(store.compareAndSet("job", "two", null))).isFalse();
    assertThat(answer(store.compareAndSet("job", "one", null))).isTrue();
    assertThat(answer(store.get("job"))).isNull();
    // removing what is not there succeeds when nothing was expected
    assertThat(answer(store.compareAndSet("job", null, null))).isTrue();
  }

  @Test
  void namesAreIndependentAndMayHoldAnyCharacter() throws Exception {
    String odd = "orders:ns-a@[::1]:7233 \u00e9";
    answer(store.compareAndSet(odd, null, "x"));
    answer(store.compareAndSet("orders", null, "y"));
    assertThat(answer(store.get(odd))).isEqualTo("x");
    assertThat(answer(store.get("orders"))).isEqualTo("y");
  }

  @Test
  void ofConcurrentCreatesExactlyOneWins() throws Exception {
    List<CompletableFuture<Boolean>> all = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      all.add(store.compareAndSet("race", null, "writer-" + i));
    }
    int won = 0;
    for (CompletableFuture<Boolean> f : all) {
      won += answer(f) ? 1 : 0;
    }
    assertThat(won).isEqualTo(1);
    assertThat(answer(store.get("race"))).startsWith("writer-");
  }
}
