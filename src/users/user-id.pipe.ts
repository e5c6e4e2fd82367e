import { Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { UsersService } from './users.service';

/** A route's `userId` parameter, checked to be an Auth0 user id (else `invalid_request`). */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(userId: string): string {
    UsersService.checkUserId(userId);
    return userId;
  }
}
