import { DEFAULT_WORKLOAD, entryLifetimeS, lookupsPerUser, predict } from './model';
import type { Workload } from './model';
import { predictValidation } from './validate';

const workload = (overrides: Partial<Workload> = {}): Workload => ({ ...DEFAULT_WORKLOAD, ...overrides });

describe('sizing model', () => {
  describe(lookupsPerUser.name, () => {
    it('should look up on the first request and on each one that finds the entry expired', () => {
      // 6 requests 2 s apart, entries live 3 s: lookups at 0, 4, 8
      expect(lookupsPerUser(6, 10, 3)).toBe(3);
      // entries outlive the span: one lookup
      expect(lookupsPerUser(50, 8 * 3600, 86_400)).toBe(1);
      // entries shorter than the gap: every request
      expect(lookupsPerUser(10, 90, 5)).toBe(10);
      expect(lookupsPerUser(1, 0, 60)).toBe(1);
      expect(lookupsPerUser(0, 0, 60)).toBe(0);
      expect(lookupsPerUser(5, 100, 0)).toBe(5);
    });
  });

  describe(entryLifetimeS.name, () => {
    it('should cut Google entries at the token expiry only when the service cannot refresh', () => {
      expect(entryLifetimeS(workload({ ttlS: 86_400, googleRefresh: true })).google).toBe(86_400);
      expect(entryLifetimeS(workload({ ttlS: 86_400, googleRefresh: false })).google).toBe(3570);
      expect(entryLifetimeS(workload({ ttlS: 60, googleRefresh: false })).google).toBe(60);
    });
  });

  describe(predict.name, () => {
    it('should cost a daily user one lookup plus their logins with a log stream and TTL 86400', () => {
      const p = predict(workload({ dailyUsers: 1_000_000, loginsPerUser: 0.2 }));
      expect(p.managementPerUserPerDay).toBeCloseTo(1.2, 10);
      expect(p.managementAvgRps).toBeCloseTo(1_200_000 / 86_400, 10);
      expect(p.managementAvgRps).toBeLessThan(16);
      expect(p.managementPeakRps).toBeCloseTo(p.managementAvgRps * 3, 10);
      expect(p.authenticationPerDay).toBe(1_000_000 * 0.2 * 2 + 1);
    });

    it('should not count logins without a log stream, and weigh providers by their share', () => {
      // 60 s entries, 50 requests over 8 h (one every ~588 s): every request looks up
      const p = predict(workload({ dailyUsers: 1000, ttlS: 60, logStream: false }));
      expect(p.managementPerUserPerDay).toBe(50);
      // 3600 s, Google refreshed: ceil(50 / ceil(3600 / 587.75)) = ceil(50 / 7) = 8 for everyone
      const hour = predict(workload({ dailyUsers: 1000, ttlS: 3600, logStream: false }));
      expect(hour.managementPerUserPerDay).toBe(8);
      // Google not refreshed: its entries end at 3570 s: ceil(50 / 7) = 8 still
      const share = predict(
        workload({
          ttlS: 86_400,
          logStream: false,
          googleRefresh: false,
          share: { google: 1, github: 0, facebook: 0 },
        }),
      );
      expect(share.managementPerUserPerDay).toBe(8);
    });

    it('should never count more lookups than requests', () => {
      expect(predict(workload({ requestsPerUser: 1, loginsPerUser: 5 })).managementPerUserPerDay).toBe(1);
    });
  });

  describe(predictValidation.name, () => {
    it('should predict the validation run: lookups per user by the TTL, plus one per reported login', () => {
      expect(predictValidation({ users: 2000, requests: 6, gapS: 10, ttlS: 16, loginShare: 0.25 })).toBe(
        6500,
      );
    });
  });
});
