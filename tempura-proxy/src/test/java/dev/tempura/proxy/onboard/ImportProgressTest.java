package dev.tempura.proxy.onboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The stored form of an import's progress, and how pages move it along. */
class ImportProgressTest {

  @Test
  void decodeOfEncodeIsTheSameProgress() {
    ImportProgress p = ImportProgress.begin("me", 1000).afterPage(new byte[] {1, 2, 3}, 3, 1, 2000);
    ImportProgress back = ImportProgress.decode(p.encode());
    assertThat(back.pageToken()).containsExactly(1, 2, 3);
    assertThat(back.withoutPageToken().encode()).isEqualTo(p.withoutPageToken().encode());
    assertThat(back.imported()).isEqualTo(3);
    assertThat(back.mappedElsewhere()).isEqualTo(1);
    assertThat(back.pages()).isEqualTo(1);
  }

  @Test
  void theLastOpenPageMovesToClosedAndTheLastClosedPageIsDone() {
    ImportProgress open = ImportProgress.begin("me", 1).afterPage(null, 2, 0, 2);
    assertThat(open.phase()).isEqualTo(ImportProgress.Phase.CLOSED);
    assertThat(open.state()).isEqualTo(ImportProgress.State.IMPORTING);
    assertThat(open.pageToken()).isNull();
    ImportProgress done = open.afterPage(new byte[0], 1, 0, 3);
    assertThat(done.state()).isEqualTo(ImportProgress.State.DONE);
    assertThat(done.finishedAt()).isEqualTo(3);
    assertThat(done.imported()).isEqualTo(3);
  }

  @Test
  void aDamagedRecordIsRefusedNamingTheField() {
    assertThatThrownBy(() -> ImportProgress.decode("not json"))
        .isInstanceOf(IllegalArgumentException.class);
    String good = ImportProgress.begin("me", 1).encode();
    assertThatThrownBy(() -> ImportProgress.decode(good.replace("\"importing\"", "\"dancing\"")))
        .hasMessageContaining("state");
    assertThatThrownBy(
            () -> ImportProgress.decode(good.replace("\"imported\":0", "\"imported\":-1")))
        .hasMessageContaining("imported");
  }
}
