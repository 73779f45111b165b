package io.vfleet.assignment.adapter.web.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.adapter.web.dashboard.DashboardBodies.LatestBody;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DashboardControllerTest {

    /** A listing of 0..total-1, oldest first, paged as the stores page; counts the pages read. */
    static final class Listing {
        final int total;
        final List<Integer> pagesRead = new ArrayList<>();

        Listing(int total) {
            this.total = total;
        }

        Page<Integer> page(Paging paging) {
            pagesRead.add(paging.page());
            int from = (int) Math.min(total, paging.offset());
            int to = Math.min(total, from + paging.size());
            return new Page<>(IntStream.range(from, to).boxed().toList(), paging.page(), paging.size(), total);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 49, 50, 51, 99, 100, 101, 149, 150, 151, 1234})
    void latestIsTheTailOfTheListingNewestFirstReadingAtMostThreePages(int total) {
        Listing listing = new Listing(total);

        LatestBody<Integer> latest = DashboardController.latest(listing::page);

        List<Integer> expected = IntStream.range(Math.max(0, total - DashboardController.LATEST), total)
                .boxed().toList().reversed();
        assertThat(latest.items()).containsExactlyElementsOf(expected);
        assertThat(latest.total()).isEqualTo(total);
        assertThat(listing.pagesRead).hasSizeLessThanOrEqualTo(3);
    }
}
