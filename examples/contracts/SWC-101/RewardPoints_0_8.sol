// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.4;

/// @title RewardPoints
/// @notice Loyalty points that holders redeem for store credit. Redemption was put
///         in an `unchecked` block to save gas, which switches off 0.8 overflow checks.
contract RewardPoints {
    address public immutable issuer;
    mapping(address => uint256) public points;
    mapping(address => uint256) public credit;

    event Awarded(address indexed holder, uint256 amount);
    event Redeemed(address indexed holder, uint256 amount);

    error NotIssuer();

    constructor() {
        issuer = msg.sender;
    }

    function award(address holder, uint256 amount) external {
        if (msg.sender != issuer) revert NotIssuer();
        points[holder] += amount;
        emit Awarded(holder, amount);
    }

    function redeem(uint256 amount) external {
        unchecked {
            points[msg.sender] -= amount; // SWC-101
        }
        credit[msg.sender] += amount;
        emit Redeemed(msg.sender, amount);
    }
}
