package io.orderflow.launcher.drill;

import io.orderflow.launcher.InvariantChecker;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a crash drill checks once the killed process is back: the {@link HistoryChecker history} (nothing
 * lost, stuck, phantom or oversold), each effect exactly once ({@link EffectsChecker}), and the cross-service
 * {@link InvariantChecker} taken again once every effect is there (the history takes it as soon as the
 * orders are final, when a just restarted service may still be catching up).
 */
public record AfterCrash(HistoryChecker.Report history, EffectsChecker.Report effects,
                         InvariantChecker.Report invariants) {

    /**
     * @param sendLog the file notification-service appends each send to ({@code NOTIFICATION_SEND_LOG})
     */
    public static AfterCrash check(History history, String runId, FlowDatabases dbs, Path sendLog, Duration settle)
            throws Exception {
        HistoryChecker.Report report = HistoryChecker.check(history, runId, dbs, settle);
        EffectsChecker.Report effects = EffectsChecker.check(dbs, runId, sendLog, settle);
        InvariantChecker.Report invariants = InvariantChecker.check(dbs.orders(), dbs.coupons(), dbs.points(),
                dbs.notifications());
        return new AfterCrash(report, effects, invariants);
    }

    /** The history's own invariants are not asked: taken too early, they may miss effects still on their way. */
    public boolean ok() {
        return history.lost() == 0 && history.phantom() == 0 && history.stuck() == 0 && history.duplicateEffects() == 0
                && history.oversold() == 0 && effects.ok() && invariants.ok();
    }

    /** Statuses, points or notices applied twice, whichever checker saw them. */
    public long duplicates() {
        return history.duplicateEffects() + effects.duplicates();
    }

    public void print(PrintStream out) {
        out.println("history (its invariants taken as soon as the orders were final):");
        history.print(out);
        effects.print(out);
        out.println("invariants once the effects were complete:");
        invariants.print(out);
    }
}
